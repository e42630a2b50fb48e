"""Scenario builders for the emulator harness.

A scenario is seeded straight into moto's Python objects (seeding over HTTP
takes a minute for the large org; this takes well under a second) and answers
with its ground truth: every entity, with the ids moto gave it, so tests can
compare a sync with what is really there.

``small``: a few OUs, 20 accounts, 50 users, 10 groups, 8 permission sets with
inline and managed policies, user and group assignments, one invited account
without OrganizationAccountAccessRole, a member account registered as delegated
administrator for sso.amazonaws.com (it administers the organization instance, and
its ListInstances shows that same instance), and a member account holding an
*account instance* (its own users and groups for applications; no permission sets,
no account assignments — AWS does not allow them there).

``large``: 200 accounts in 10 OUs, 1,000 users, 100 groups, 5,000 memberships,
50 permission sets, 5,000 assignments.
"""

from __future__ import annotations

import json
import random
from typing import Any

from moto.iam.models import iam_backends
from moto.identitystore.models import identitystore_backends
from moto.organizations.models import organizations_backends
from moto.ssoadmin.models import ssoadmin_backends

MANAGEMENT_ACCOUNT = "123456789012"
MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/job-function/Billing",
    "arn:aws:iam::aws:policy/SecurityAudit",
]
SESSION_DURATIONS = ["PT1H", "PT4H", "PT8H", "PT12H"]


def partition_of(region: str) -> str:
    """The partition of a region (AWS General Reference, ARN format)."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def trust_policy(principal: str, external_id: str | None, wizard: bool = False) -> str:
    """A role's trust policy. `wizard`: as Hallpass's setup prints it, which also lets the
    session carry a source identity (sts:SetSourceIdentity); OrganizationAccountAccessRole,
    as AWS Organizations creates it, trusts the management account for sts:AssumeRole only
    (AWS Organizations User Guide, "Accessing member accounts in your organization":
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html)."""
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"] if wizard else "sts:AssumeRole",
    }
    if external_id is not None:
        stmt["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


# The management role's permissions as an admin who followed the setup pasted them: the
# Identity Center and Organizations reads and writes, and (needed only for changes that
# target the management account, where Identity Center acts with the caller's own IAM
# permissions) the IAM actions on Identity Center's roles and SAML provider there.
MANAGEMENT_ROLE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["organizations:Describe*", "organizations:List*", "sso:*", "identitystore:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/OrganizationAccountAccessRole"},
        {"Sid": "ManagementAccountRoles", "Effect": "Allow",
         "Action": ["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateRole",
                    "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
                    "iam:DeleteRolePermissionsBoundary", "iam:GetRole", "iam:DeleteRole", "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
         "Resource": "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"},
        {"Sid": "ManagementAccountSamlProvider", "Effect": "Allow",
         "Action": ["iam:CreateSAMLProvider", "iam:UpdateSAMLProvider", "iam:DeleteSAMLProvider", "iam:GetSAMLProvider"],
         "Resource": "arn:aws:iam::*:saml-provider/AWSSSO_*"},
    ],
})


def inline_policy(i: int) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": f"Allow{i}",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::team-bucket-{i}", f"arn:aws:s3:::team-bucket-{i}/*"],
                }
            ],
        },
        separators=(",", ":"),
    )


class Builder:
    """Seeds one Identity Center instance's directory and permission sets."""

    def __init__(self, harness: Any, truth: dict, account: str, region: str, account_instance: bool = False):
        self.harness = harness
        self.truth = truth
        self.sso = ssoadmin_backends[account][region]
        self.instance = self.sso.instances[0]
        self.ids = identitystore_backends[account][region]
        self.store = self.instance.identity_store_id
        self.partition = partition_of(region)
        # The directory of an account instance is not part of the organization's truth:
        # it gives nobody access to AWS accounts.
        self.keep = not account_instance
        harness.visible_instances.add((account, region))
        meta = {
            "instance_arn": self.instance.instance_arn,
            "identity_store_id": self.store,
            "owner_account_id": account,
            "region": region,
        }
        if account_instance:
            harness.account_instances.add(self.instance.instance_arn)
            truth["account_instances"].append(meta)
        else:
            harness.home_region = region
            truth["instances"].append(meta)

    def user(self, name: str, given: str, family: str) -> str:
        email = f"{name}@example.com"
        user_id, _ = self.ids.create_user(
            identity_store_id=self.store,
            user_name=name,
            name={"GivenName": given, "FamilyName": family, "Formatted": f"{given} {family}"},
            display_name=f"{given} {family}",
            nick_name=None,
            profile_url=None,
            emails=[{"Value": email, "Type": "work", "Primary": True}],
            addresses=None,
            phone_numbers=None,
            user_type=None,
            title=None,
            preferred_language=None,
            locale=None,
            timezone=None,
        )
        if self.keep:
            self.truth["users"].append(
                {
                    "identity_store_id": self.store,
                    "user_id": user_id,
                    "user_name": name,
                    "display_name": f"{given} {family}",
                    "given_name": given,
                    "family_name": family,
                    "email": email,
                }
            )
        return user_id

    def group(self, name: str, description: str) -> str:
        group_id, _ = self.ids.create_group(self.store, name, description)
        if self.keep:
            self.truth["groups"].append(
            {"identity_store_id": self.store, "group_id": group_id, "display_name": name, "description": description}
        )
        return group_id

    def membership(self, group_id: str, user_id: str) -> None:
        self.ids.create_group_membership(self.store, group_id, {"UserId": user_id})
        if self.keep:
            self.truth["memberships"].append({"identity_store_id": self.store, "group_id": group_id, "user_id": user_id})

    def permission_set(self, i: int, name: str, managed: list[str], customer: list[dict], boundary: dict | None) -> str:
        duration = SESSION_DURATIONS[i % len(SESSION_DURATIONS)]
        # AWS-managed policy ARNs are in the instance's partition.
        managed = [m.replace("arn:aws:", f"arn:{self.partition}:", 1) for m in managed]
        relay = f"https://console.aws.amazon.com/console/home?ps={i}" if i % 3 == 0 else None
        ps = self.sso.create_permission_set(
            name=name,
            description=f"{name} access",
            instance_arn=self.instance.instance_arn,
            session_duration=duration,
            relay_state=relay,
            tags=[],
        )
        arn = ps["PermissionSetArn"]
        policy = inline_policy(i) if i % 4 != 3 else None
        if policy:
            self.sso.put_inline_policy_to_permission_set(self.instance.instance_arn, arn, policy)
        for m in managed:
            self.sso.attach_managed_policy_to_permission_set(self.instance.instance_arn, arn, m)
        for c in customer:
            self.sso.attach_customer_managed_policy_reference_to_permission_set(self.instance.instance_arn, arn, c)
        if boundary:
            self.harness.boundaries[arn] = boundary
        self.truth["permission_sets"].append(
            {
                "instance_arn": self.instance.instance_arn,
                "arn": arn,
                "name": name,
                "description": f"{name} access",
                "session_duration": duration,
                "relay_state": relay,
                "inline_policy": policy,
                "managed_policies": sorted(managed),
                "customer_managed_policies": sorted(f"{c.get('Path', '/')}{c['Name']}" for c in customer),
                "permissions_boundary": boundary,
            }
        )
        return arn

    def assignment(self, account: str, ps_arn: str, principal_type: str, principal_id: str) -> None:
        self.sso.create_account_assignment(
            self.instance.instance_arn, account, "AWS_ACCOUNT", ps_arn, principal_type, principal_id
        )
        self.truth["assignments"].append(
            {
                "instance_arn": self.instance.instance_arn,
                "account_id": account,
                "permission_set_arn": ps_arn,
                "principal_type": principal_type,
                "principal_id": principal_id,
            }
        )


def build(harness: Any, spec: dict) -> dict:
    name = spec.get("name", "small")
    region = spec.get("region", "eu-north-1")
    rng = random.Random(spec.get("seed", 42))
    external_id = spec.get("external_id")
    role_name = spec.get("role_name", "HallpassManagementRole")
    truth: dict[str, Any] = {
        "scenario": name,
        "home_region": region,
        "management_account_id": MANAGEMENT_ACCOUNT,
        "ous": [],
        "accounts": [],
        "instances": [],
        "account_instances": [],
        "unreachable_accounts": [],
        "delegated_admins": [],
        "permission_sets": [],
        "users": [],
        "groups": [],
        "memberships": [],
        "assignments": [],
    }
    partition = partition_of(region)
    harness.partition = partition
    orgs = organizations_backends[MANAGEMENT_ACCOUNT][partition]
    org = orgs.create_organization(region=region, FeatureSet="ALL")["Organization"]
    truth["organization_id"] = org["Id"]
    # Identity Center is enabled organization-wide: it has trusted access.
    orgs.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    root_id = orgs.list_roots()["Roots"][0]["Id"]
    truth["root_id"] = root_id
    iam = iam_backends[MANAGEMENT_ACCOUNT][partition]
    iam.create_role(
        role_name=role_name,
        assume_role_policy_document=trust_policy(f"arn:{partition}:iam::{MANAGEMENT_ACCOUNT}:root", external_id, wizard=True),
        path="/",
        permissions_boundary=None,
        description="Hallpass management role",
        tags=[],
        max_session_duration="3600",
    )
    iam.put_role_policy(role_name, "HallpassPermissions", MANAGEMENT_ROLE_POLICY)
    truth["role_arn"] = f"arn:{partition}:iam::{MANAGEMENT_ACCOUNT}:role/{role_name}"
    truth["accounts"].append(
        {"id": MANAGEMENT_ACCOUNT, "name": "master", "parent_id": root_id, "email": orgs.accounts[0].email}
    )

    def ou(name: str, parent: str) -> str:
        ou_id = orgs.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
        truth["ous"].append({"id": ou_id, "name": name, "parent_id": parent})
        return ou_id

    def account(name: str, parent: str) -> str:
        status = orgs.create_account(AccountName=name, Email=f"aws+{name}@example.com")
        acct = status["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=acct, SourceParentId=root_id, DestinationParentId=parent)
        if partition != "aws":
            # moto creates OrganizationAccountAccessRole in the commercial partition only;
            # in AWS it is in the organization's own partition.
            iam_backends[acct][partition].create_role(
                role_name="OrganizationAccountAccessRole",
                assume_role_policy_document=trust_policy(f"arn:{partition}:iam::{MANAGEMENT_ACCOUNT}:root", None),
                path="/", permissions_boundary=None, description="", tags=[], max_session_duration="3600",
            )
        truth["accounts"].append({"id": acct, "name": name, "parent_id": parent, "email": f"aws+{name}@example.com"})
        return acct

    if name == "small":
        build_small(harness, truth, rng, region, ou, account, root_id, orgs)
    elif name == "large":
        build_large(harness, truth, rng, region, ou, account, root_id)
    else:
        raise ValueError(f"unknown scenario {name!r}")
    deploy_customer_policies(truth, partition)
    return truth


def deploy_customer_policies(truth: dict, partition: str) -> None:
    """Every customer-managed policy the permission sets reference, in every account, as an
    organization that uses such references keeps them (deployed with StackSets; reference
    001 §4.3: "The CMP must already exist in each target account — with the same name"). A
    test removes one from an account to see that account's provisioning fail."""
    refs = set()
    for ps in truth["permission_sets"]:
        for ref in ps.get("customer_managed_policies", []):
            path, _, name = ref.rpartition("/")
            refs.add((name, path + "/"))
        boundary = (ps.get("permissions_boundary") or {}).get("CustomerManagedPolicyReference")
        if boundary:
            refs.add((boundary["Name"], boundary.get("Path", "/")))
    accounts = {a["id"] for a in truth["accounts"]} | {MANAGEMENT_ACCOUNT}
    for account in sorted(accounts):
        iam = iam_backends[account][partition]
        for name, path in sorted(refs):
            iam.create_policy(
                description="", path=path, policy_name=name, tags=[],
                policy_document=json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}),
            )


def build_small(harness: Any, truth: dict, rng: random.Random, region: str, ou: Any, account: Any, root_id: str, orgs: Any) -> None:
    security = ou("Security", root_id)
    workloads = ou("Workloads", root_id)
    prod = ou("Prod", workloads)
    dev = ou("Dev", workloads)
    sandbox = ou("Sandbox", root_id)
    parents = [security, prod, dev, sandbox, root_id]
    accounts = [account(f"acct-{i:02d}", parents[i % len(parents)]) for i in range(1, 18)]
    # An invited account whose admin never created OrganizationAccountAccessRole.
    invited = account("invited-legacy", sandbox)
    iam_backends[invited][harness.partition].delete_role("OrganizationAccountAccessRole")
    for acct in orgs.accounts:
        if acct.id == invited:
            acct.joined_method = "INVITED"
    truth["unreachable_accounts"].append(invited)
    # A member account that holds an Identity Center instance of its own.
    identity = account("identity-sandbox", sandbox)
    accounts.append(invited)
    member_accounts = accounts + [identity]

    main = Builder(harness, truth, MANAGEMENT_ACCOUNT, region)
    first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Frances", "John"]
    last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"]
    users = [main.user(f"user{i:02d}", first[i % 10], last[i % 5]) for i in range(1, 51)]
    groups = [main.group(f"team-{g}", f"The {g} team") for g in
              ["platform", "data", "web", "mobile", "security", "finance", "support", "ops", "ml", "empty"]]
    for gi, gid in enumerate(groups[:-1]):
        for uid in rng.sample(users, 6 + gi):
            main.membership(gid, uid)
    ps_names = ["AdministratorAccess", "ReadOnly", "ViewOnly", "PowerUser", "Billing", "SecurityAudit", "DataEngineer", "Developer"]
    ps_arns = []
    for i, ps_name in enumerate(ps_names):
        managed = [MANAGED_POLICIES[i % len(MANAGED_POLICIES)]] if i < 6 else [MANAGED_POLICIES[1]]
        customer = [{"Name": f"{ps_name}Extras", "Path": "/hallpass/"}] if i in (6, 7) else []
        boundary = (
            {"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"} if i == 7 else
            {"CustomerManagedPolicyReference": {"Name": "DevBoundary", "Path": "/"}} if i == 6 else None
        )
        ps_arns.append(main.permission_set(i, ps_name, managed, customer, boundary))
    seen = set()
    for gi, gid in enumerate(groups):
        for acct in rng.sample(member_accounts, 5):
            ps = ps_arns[(gi + len(acct)) % len(ps_arns)] if gi else ps_arns[0]
            if (acct, ps, gid) not in seen:
                seen.add((acct, ps, gid))
                main.assignment(acct, ps, "GROUP", gid)
    for uid in users[:6]:
        acct = rng.choice(member_accounts)
        if (acct, ps_arns[3], uid) not in seen:
            seen.add((acct, ps_arns[3], uid))
            main.assignment(acct, ps_arns[3], "USER", uid)

    # An account instance in a member account: users and groups for its applications only
    # (IAM Identity Center user guide, "Account instances of IAM Identity Center"; reference
    # 001: the organization instance "is the only instance type that can manage
    # cross-account permissions").
    other = Builder(harness, truth, identity, region, account_instance=True)
    o_users = [other.user(f"sandbox-user{i}", first[i], last[i % 5]) for i in range(5)]
    o_group = other.group("sandbox-devs", "Sandbox developers")
    for uid in o_users[1:]:
        other.membership(o_group, uid)
    # A delegated administrator for Identity Center: it administers the organization
    # instance (IAM Identity Center user guide, "Delegated administration").
    admin = accounts[0]
    orgs.register_delegated_administrator(AccountId=admin, ServicePrincipal="sso.amazonaws.com")
    truth["delegated_admins"].append(admin)


def build_large(harness: Any, truth: dict, rng: random.Random, region: str, ou: Any, account: Any, root_id: str) -> None:
    ous = [ou(f"ou-{i:02d}", root_id) for i in range(10)]
    accounts = [account(f"acct-{i:03d}", ous[i % 10]) for i in range(1, 200)]
    accounts.append(MANAGEMENT_ACCOUNT)
    main = Builder(harness, truth, MANAGEMENT_ACCOUNT, region)
    users = [main.user(f"user{i:04d}", f"Given{i}", f"Family{i % 97}") for i in range(1000)]
    groups = [main.group(f"group-{i:03d}", f"Group {i}") for i in range(100)]
    pairs = set()
    while len(pairs) < 5000:
        pairs.add((rng.randrange(100), rng.randrange(1000)))
    for g, u in sorted(pairs):
        main.membership(groups[g], users[u])
    ps_arns = [
        main.permission_set(i, f"PermissionSet{i:02d}", [MANAGED_POLICIES[i % len(MANAGED_POLICIES)]],
                            [{"Name": f"Extra{i}", "Path": "/"}] if i % 5 == 0 else [], None)
        for i in range(50)
    ]
    triples = set()
    while len(triples) < 5000:
        if rng.random() < 0.8:
            triples.add((rng.choice(accounts), rng.randrange(50), "GROUP", rng.randrange(100)))
        else:
            triples.add((rng.choice(accounts), rng.randrange(50), "USER", rng.randrange(1000)))
    for acct, p, kind, idx in sorted(triples):
        principal = groups[idx] if kind == "GROUP" else users[idx]
        main.assignment(acct, ps_arns[p], kind, principal)


def mutate(harness: Any, change: dict) -> dict:
    """Applies one change to a seeded org, as an admin would in the console."""
    kind = change["kind"]
    account = change.get("account", MANAGEMENT_ACCOUNT)
    region = change["region"]
    sso = ssoadmin_backends[account][region]
    instance = sso.instances[0]
    if kind == "add_user":
        ids = identitystore_backends[account][region]
        user_id, _ = ids.create_user(
            identity_store_id=instance.identity_store_id,
            user_name=change["user_name"],
            name={"GivenName": "New", "FamilyName": "User"},
            display_name="New User",
            nick_name=None, profile_url=None,
            emails=[{"Value": f"{change['user_name']}@example.com", "Type": "work", "Primary": True}],
            addresses=None, phone_numbers=None, user_type=None, title=None,
            preferred_language=None, locale=None, timezone=None,
        )
        return {"user_id": user_id}
    if kind == "put_role":
        # An admin creates a role in the management account from the policies Hallpass shows.
        iam = iam_backends[account][harness.partition]
        trust = change["trust"] if isinstance(change["trust"], str) else json.dumps(change["trust"])
        role = iam.create_role(
            role_name=change["name"], assume_role_policy_document=trust, path="/",
            permissions_boundary=None, description="", tags=[], max_session_duration="3600",
        )
        policy = change["policy"] if isinstance(change["policy"], str) else json.dumps(change["policy"])
        iam.put_role_policy(change["name"], "inline", policy)
        return {"arn": role.arn}
    if kind == "put_schedule":
        # Someone else (another tool, another admin's Hallpass) writes a schedule into a group.
        from moto.scheduler.models import scheduler_backends

        scheduler_backends[account][region].create_schedule(
            description=None, end_date=None, flexible_time_window={"Mode": "OFF"},
            group_name=change["group"], kms_key_arn=None, name=change["name"],
            schedule_expression=change["expression"], schedule_expression_timezone="UTC",
            start_date=None, state="ENABLED", target=dict(change["target"]), action_after_completion="NONE",
        )
        return {"ok": True}
    if kind == "add_assignment":
        sso.create_account_assignment(instance.instance_arn, change["account_id"], "AWS_ACCOUNT",
                                      change["permission_set_arn"], change["principal_type"], change["principal_id"])
        return {"ok": True}
    if kind == "delete_assignment":
        sso.account_assignments = [
            a for a in sso.account_assignments
            if not (a.target_id == change["account_id"] and a.permission_set_arn == change["permission_set_arn"]
                    and a.principal_id == change["principal_id"])
        ]
        return {"ok": True}
    if kind == "set_inline_policy":
        # An admin edits a permission set in the console: every account it is provisioned to is now outdated
        # (its role keeps the version provisioned before: portal.py).
        harness.freeze_roles(change["permission_set_arn"])
        sso.put_inline_policy_to_permission_set(instance.instance_arn, change["permission_set_arn"], change["policy"])
        accounts = {acct for ps, acct in harness.provisioned_pairs(sso, instance.instance_arn)
                    if ps == change["permission_set_arn"]}
        with harness.lock:
            harness.outdated.setdefault(change["permission_set_arn"], set()).update(accounts)
        return {"outdated": sorted(accounts)}
    if kind == "set_managed_policies":
        # As if the admin raised the IAM quota: any number of AWS-managed policies.
        ps = sso._find_permission_set(instance.instance_arn, change["permission_set_arn"])
        ps.managed_policies = [sso._find_managed_policy(arn) for arn in change["policies"]]
        ps.total_managed_policies_attached = len(ps.managed_policies)
        return {"ok": True}
    if kind == "set_session_duration":
        # UpdatePermissionSet with only SessionDuration: the description and relay state stay
        # (each field of the request is optional; UpdatePermissionSet API reference). moto
        # sets every field it is given, so the current ones are passed back.
        ps = sso._find_permission_set(instance.instance_arn, change["permission_set_arn"])
        sso.update_permission_set(
            instance.instance_arn, change["permission_set_arn"], ps.description, change["duration"], ps.relay_state
        )
        return {"ok": True}
    if kind == "create_permission_set":
        ps = sso.create_permission_set(change["name"], "", instance.instance_arn, "PT1H", None, [])
        return {"arn": ps["PermissionSetArn"]}
    if kind == "deregister_delegated_admin":
        organizations_backends[MANAGEMENT_ACCOUNT][harness.partition].deregister_delegated_administrator(
            AccountId=change["account_id"], ServicePrincipal="sso.amazonaws.com")
        return {"ok": True}
    if kind == "register_delegated_admin":
        organizations_backends[MANAGEMENT_ACCOUNT][harness.partition].register_delegated_administrator(
            AccountId=change["account_id"], ServicePrincipal="sso.amazonaws.com")
        return {"ok": True}
    if kind == "disable_trusted_access":
        organizations_backends[MANAGEMENT_ACCOUNT][harness.partition].disable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
        return {"ok": True}
    if kind == "enable_trusted_access":
        organizations_backends[MANAGEMENT_ACCOUNT][harness.partition].enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
        return {"ok": True}
    if kind == "delete_user":
        # Deleting a user does not remove its assignments (as with AD-sourced users).
        ids = identitystore_backends[account][region]
        ids.delete_user(instance.identity_store_id, change["user_id"])
        store = ids.identity_stores[instance.identity_store_id]
        for mid in [m for m, v in store.group_memberships.items() if v["MemberId"].get("UserId") == change["user_id"]]:
            del store.group_memberships[mid]
        return {"ok": True}
    if kind == "create_member_role":
        # A role like the management role, but in a member account.
        iam_backends[change["account_id"]]["aws"].create_role(
            role_name=change["role_name"],
            assume_role_policy_document=trust_policy(f"arn:{harness.partition}:iam::{MANAGEMENT_ACCOUNT}:root", change.get("external_id"), wizard=True),
            path="/", permissions_boundary=None, description="", tags=[], max_session_duration="3600",
        )
        return {"role_arn": f"arn:aws:iam::{change['account_id']}:role/{change['role_name']}"}
    if kind == "create_role":
        # Any role, with a path (e.g. /aws-reserved/sso.amazonaws.com/eu-west-1/ as IAM
        # Identity Center creates them, or /ops/), trusting the management account.
        acct = change.get("account_id", MANAGEMENT_ACCOUNT)
        path = change.get("path", "/")
        iam_backends[acct][harness.partition].create_role(
            role_name=change["role_name"],
            assume_role_policy_document=change.get("trust_policy")
            or trust_policy(f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:root", None),
            path=path, permissions_boundary=None, description="", tags=[], max_session_duration="3600",
        )
        return {"role_arn": f"arn:aws:iam::{acct}:role{path}{change['role_name']}"}
    if kind == "set_role_policy":
        # The admin replaces the management role's inline permissions policy.
        iam_backends[MANAGEMENT_ACCOUNT][harness.partition].put_role_policy(
            change.get("role_name", "HallpassManagementRole"), change.get("policy_name", "HallpassPermissions"),
            change["document"])
        return {"ok": True}
    if kind == "set_trust_policy":
        # The admin pastes a trust policy document into the role's Trust relationships.
        role = iam_backends[MANAGEMENT_ACCOUNT][harness.partition].get_role(change.get("role_name", "HallpassManagementRole"))
        role.assume_role_policy_document = change["document"]
        return {"ok": True}
    if kind == "set_external_id":
        # The admin pastes the wizard's trust policy: the role now wants this External ID.
        role = iam_backends[MANAGEMENT_ACCOUNT][harness.partition].get_role(change.get("role_name", "HallpassManagementRole"))
        role.assume_role_policy_document = trust_policy(f"arn:{harness.partition}:iam::{MANAGEMENT_ACCOUNT}:root", change["external_id"], wizard=True)
        return {"ok": True}
    if kind == "create_account":
        # Account names are not unique in AWS Organizations (CreateAccount takes any name).
        orgs = organizations_backends[MANAGEMENT_ACCOUNT][harness.partition]
        status = orgs.create_account(AccountName=change["name"], Email=change["email"])
        return {"account_id": status["CreateAccountStatus"]["AccountId"]}
    if kind == "set_user_status":
        # The admin disables (or enables) a user in the Identity Center console.
        harness.user_status[change["user_id"]] = change["status"]
        return {"ok": True}
    if kind == "set_account_state":
        # The account moves along its lifecycle (Organizations AccountState), e.g. it is
        # being closed (PENDING_CLOSURE) or was suspended.
        harness.account_states[change["account_id"]] = change["state"]
        return {"ok": True}
    if kind == "delete_role":
        iam_backends[change["account_id"]]["aws"].delete_role(change["role_name"])
        return {"ok": True}
    if kind == "rename_group":
        # The admin renames a group (Identity Store UpdateGroup, AttributePath
        # "displayName"; a display name must stay unique, ConflictException otherwise:
        # https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_UpdateGroup.html).
        # The group keeps its id, members and assignments.
        ids = identitystore_backends[account][region]
        store = ids.identity_stores[instance.identity_store_id]
        if any(g.DisplayName == change["display_name"] for g in store.groups.values()):
            raise ValueError("Duplicate GroupDisplayName")
        group = store.groups[change["group_id"]]
        store.groups[change["group_id"]] = group._replace(DisplayName=change["display_name"])
        return {"ok": True}
    if kind == "add_group":
        # CreateGroup: a new id; a display name already in use is a ConflictException
        # (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateGroup.html).
        ids = identitystore_backends[account][region]
        group_id, _ = ids.create_group(instance.identity_store_id, change["display_name"], "")
        return {"group_id": group_id}
    if kind == "add_membership":
        # CreateGroupMembership: the user joins the group
        # (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateGroupMembership.html).
        ids = identitystore_backends[account][region]
        ids.create_group_membership(instance.identity_store_id, change["group_id"], {"UserId": change["user_id"]})
        return {"ok": True}
    if kind == "create_iam_policy":
        # CreatePolicy in a member account (IAM API reference): a customer-managed policy a
        # permission set can reference by name and path.
        policy = iam_backends[change["account_id"]][harness.partition].create_policy(
            description="", path=change.get("path", "/"), policy_document=change.get("document") or json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
            ), policy_name=change["name"], tags=[],
        )
        return {"arn": policy.arn}
    if kind == "delete_iam_policy":
        # DeletePolicy in a member account (IAM API reference): a policy a permission set
        # references is gone from that account.
        iam_backends[change["account_id"]][harness.partition].delete_policy(change["arn"])
        return {"ok": True}
    if kind == "delete_membership":
        # DeleteGroupMembership: the user leaves the group, as an admin does in the console
        # (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_DeleteGroupMembership.html).
        ids = identitystore_backends[account][region]
        store = ids.identity_stores[instance.identity_store_id]
        for membership_id, m in list(store.group_memberships.items()):
            if m["GroupId"] == change["group_id"] and m["MemberId"].get("UserId") == change["user_id"]:
                ids.delete_group_membership(instance.identity_store_id, membership_id)
        return {"ok": True}
    raise ValueError(f"unknown mutation {kind!r}")
