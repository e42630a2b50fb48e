"""An independent client: one permission set as boto3 reads it from the emulator.

    python inspect_permission_set.py URL REGION NAME

Prints one JSON document: the set's ARN (null when no set has that name), its fields,
inline policy, managed and customer-managed policies, boundary, tags, and the accounts it
is provisioned to with the ones holding an outdated version. Tests compare it with what
Hallpass was asked to make.
"""

import json
import sys

from inspect_state import pages, session_for


def main() -> None:
    url, region, name = sys.argv[1], sys.argv[2], sys.argv[3]
    sso = session_for(url, region, None).client("sso-admin", endpoint_url=url)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    found = None
    for arn in pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=instance):
        ps = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]
        if ps["Name"] == name:
            found = (arn, ps)
    if found is None:
        json.dump({"arn": None}, sys.stdout)
        return
    arn, ps = found
    args = {"InstanceArn": instance, "PermissionSetArn": arn}
    try:
        boundary = sso.get_permissions_boundary_for_permission_set(**args).get("PermissionsBoundary")
    except sso.exceptions.ResourceNotFoundException:
        boundary = None
    inline = sso.get_inline_policy_for_permission_set(**args).get("InlinePolicy") or None

    def accounts(status: str | None) -> list[str]:
        extra = {"ProvisioningStatus": status} if status else {}
        return sorted(pages(sso, "list_accounts_for_provisioned_permission_set", "AccountIds", **args, **extra))

    doc = {
        "arn": arn,
        "name": ps["Name"],
        "description": ps.get("Description"),
        "session_duration": ps.get("SessionDuration"),
        "relay_state": ps.get("RelayState"),
        "inline_policy": json.loads(inline) if inline else None,
        "managed_policies": sorted(
            p["Arn"] for p in pages(sso, "list_managed_policies_in_permission_set", "AttachedManagedPolicies", **args)
        ),
        "customer_managed": sorted(
            f"{r.get('Path', '/')}{r['Name']}"
            for r in pages(
                sso,
                "list_customer_managed_policy_references_in_permission_set",
                "CustomerManagedPolicyReferences",
                **args,
            )
        ),
        "boundary": boundary,
        "tags": {t["Key"]: t["Value"] for t in sso.list_tags_for_resource(InstanceArn=instance, ResourceArn=arn)["Tags"]},
        "accounts": accounts(None),
        "outdated": accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED"),
    }
    json.dump(doc, sys.stdout)


if __name__ == "__main__":
    main()
