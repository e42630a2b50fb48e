"""An independent client: reads the emulator's Identity Center state with boto3.

Tests use it to check what Hallpass changed without trusting Hallpass's own reads.
Prints one JSON document: users, memberships and assignments of every instance
(the management account's, and member-held ones reached through
OrganizationAccountAccessRole).

    python inspect_state.py URL REGION [MEMBER_ACCOUNT ...] [--permission-set ARN ...]

With --permission-set, only those permission sets' assignments are listed (a large
organization's full listing takes thousands of calls).
"""

import json
import sys

import boto3


def session_for(url: str, region: str, account: str | None) -> boto3.Session:
    base = boto3.Session(
        aws_access_key_id="AKIAINSPECTORKEY0001",
        aws_secret_access_key="inspector-secret",
        region_name=region,
    )
    if account is None:
        return base
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="inspector",
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def pages(client, op: str, key: str, **params) -> list:
    out = []
    for page in client.get_paginator(op).paginate(**params):
        out.extend(page[key])
    return out


def read(url: str, region: str, account: str | None, only_ps: set[str]) -> dict:
    s = session_for(url, region, account)
    sso = s.client("sso-admin", endpoint_url=url)
    ids = s.client("identitystore", endpoint_url=url)
    doc = {"users": [], "memberships": [], "assignments": []}
    for inst in sso.list_instances()["Instances"]:
        arn, store = inst["InstanceArn"], inst["IdentityStoreId"]
        for u in pages(ids, "list_users", "Users", IdentityStoreId=store):
            doc["users"].append(
                {
                    "identity_store_id": store,
                    "user_id": u["UserId"],
                    "user_name": u["UserName"],
                    "display_name": u.get("DisplayName"),
                    "emails": [e.get("Value") for e in u.get("Emails", [])],
                }
            )
        for g in pages(ids, "list_groups", "Groups", IdentityStoreId=store):
            for m in pages(
                ids, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=g["GroupId"]
            ):
                doc["memberships"].append(
                    {"identity_store_id": store, "group_id": g["GroupId"], "user_id": m["MemberId"]["UserId"]}
                )
        for ps in pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=arn):
            if only_ps and ps not in only_ps:
                continue
            accounts = pages(
                sso,
                "list_accounts_for_provisioned_permission_set",
                "AccountIds",
                InstanceArn=arn,
                PermissionSetArn=ps,
            )
            for acct in accounts:
                for a in pages(
                    sso,
                    "list_account_assignments",
                    "AccountAssignments",
                    InstanceArn=arn,
                    AccountId=acct,
                    PermissionSetArn=ps,
                ):
                    doc["assignments"].append(
                        {
                            "instance_arn": arn,
                            "account_id": a["AccountId"],
                            "permission_set_arn": a["PermissionSetArn"],
                            "principal_type": a["PrincipalType"],
                            "principal_id": a["PrincipalId"],
                        }
                    )
    return doc


def main() -> None:
    url, region, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    members, only_ps = [], set()
    while rest:
        arg = rest.pop(0)
        if arg == "--permission-set":
            only_ps.add(rest.pop(0))
        else:
            members.append(arg)
    total = {"users": [], "memberships": [], "assignments": []}
    for account in [None, *members]:
        doc = read(url, region, account, only_ps)
        for k in total:
            total[k].extend(doc[k])
    json.dump(total, sys.stdout)


if __name__ == "__main__":
    main()
