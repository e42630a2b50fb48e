"""The peer for the sync benchmark, and the emulator's ceiling.

    python peer.py list URL REGION ROLE_ARN EXTERNAL_ID
        Assumes the same role Hallpass assumes and lists every assignment with
        aws_sso_lib.list_assignments (PyPI: aws-sso-util), as its users do.
        Prints {"seconds": ..., "assignments": ...}.

    python peer.py ceiling URL REGION ROLE_ARN EXTERNAL_ID SECONDS THREADS
        Calls sso:ListPermissionSets (cheap) and the sync's dominant call,
        sso:ListAccountAssignmentsForPrincipal, from THREADS threads for SECONDS
        each, and prints the calls per second the emulator served.
"""

import json
import os
import sys
import threading
import time

import boto3
from botocore.config import Config


def session(url: str, region: str, role_arn: str, external_id: str) -> boto3.Session:
    base = boto3.Session(
        aws_access_key_id="AKIAPEERBENCHKEY0001",
        aws_secret_access_key="peer-secret",
        region_name=region,
    )
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=role_arn, RoleSessionName="peer", ExternalId=external_id
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def peer_list(url: str, region: str, role_arn: str, external_id: str) -> dict:
    import aws_sso_lib

    s = session(url, region, role_arn, external_id)
    started = time.monotonic()
    n = sum(1 for _ in aws_sso_lib.list_assignments(s))
    return {"seconds": time.monotonic() - started, "assignments": n}


def ceiling(url: str, region: str, role_arn: str, external_id: str, seconds: float, threads: int) -> dict:
    s = session(url, region, role_arn, external_id)
    cfg = Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=threads)
    probe = s.client("sso-admin", endpoint_url=url, config=cfg)
    inst = probe.list_instances()["Instances"][0]
    users = s.client("identitystore", endpoint_url=url, config=cfg).list_users(
        IdentityStoreId=inst["IdentityStoreId"], MaxResults=1
    )["Users"]
    user = users[0]["UserId"]
    calls = {
        "sso:ListPermissionSets": lambda c: c.list_permission_sets(InstanceArn=inst["InstanceArn"], MaxResults=1),
        "sso:ListAccountAssignmentsForPrincipal": lambda c: c.list_account_assignments_for_principal(
            InstanceArn=inst["InstanceArn"], PrincipalId=user, PrincipalType="USER"
        ),
    }
    out = {}
    for name, fn in calls.items():
        clients = [s.client("sso-admin", endpoint_url=url, config=cfg) for _ in range(threads)]
        count = [0] * threads
        stop = time.monotonic() + seconds

        def work(i: int) -> None:
            while time.monotonic() < stop:
                fn(clients[i])
                count[i] += 1

        ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        out[name] = sum(count) / seconds
    return out


def main() -> None:
    cmd, url, region, role_arn, external_id = sys.argv[1:6]
    # aws_sso_lib makes its own clients: point every one of them at the emulator.
    os.environ["AWS_ENDPOINT_URL"] = url
    if cmd == "list":
        print(json.dumps(peer_list(url, region, role_arn, external_id)))
    elif cmd == "ceiling":
        print(json.dumps(ceiling(url, region, role_arn, external_id, float(sys.argv[6]), int(sys.argv[7]))))
    else:
        raise SystemExit(f"unknown command {cmd!r}")


if __name__ == "__main__":
    main()
