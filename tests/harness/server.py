#!/usr/bin/env python3
"""The AWS emulator harness: moto in server mode, plus what moto leaves out.

moto answers the AWS APIs Hallpass uses, but differs from real AWS in ways that
matter to a sync and to the troubleshooting checks (see shared/DESIGN.md). This
server wraps moto's WSGI application in a middleware that:

* shows an Identity Center instance only where real AWS has one (the home
  region of the management account, plus member accounts a scenario gives one);
* enforces the trust policy on sts:AssumeRole (principal and sts:ExternalId);
* derives the provisioned-* list operations from real assignments and tracks
  which accounts hold an outdated permission set;
* answers the operations moto fails with HTTP 500 (permissions boundary, tags,
  provisioning status) as AWS would;
* injects faults per operation (throttling, access denied, internal errors,
  answers cut short mid-body, latency) and
  enforces per-service rate limits like AWS's (off by default);
* counts calls per operation, and caps page sizes so tests exercise paging;
* runs EventBridge Scheduler's one-time schedules at their time, calling their
  universal target as the execution role (scheduler.py);
* makes assignment creation and deletion asynchronous like AWS's (IN_PROGRESS
  for a configurable time, then SUCCEEDED or FAILED), idempotent for creating an
  existing assignment, and records the peak of outstanding operations.

It listens on loopback, prints ``HARNESS_READY <url>`` once serving, and is
steered through ``/_harness/*`` (JSON): ``scenario``, ``config``, ``counters``,
``counters/reset``, ``mutate``.

This file holds the middleware itself (routing, STS and the trust policy, forwarding
to moto, the control endpoints). The rest, by seam:

* ``wire.py``: one call as parsed, AWS's JSON/XML answers and pages, rate buckets;
* ``policy_eval.py``: IAM policy evaluation (trust and identity policies);
* ``faults.py``: injected faults and AWS's busy/denied answers;
* ``identity_center.py``: instances, regions, provisioned listings, boundaries, tags,
  provisioning status, and Identity Store answers moto leaves out;
* ``assignments.py``: asynchronous assignment changes and their status;
* ``scheduler.py``: EventBridge Scheduler's checks and its running of schedules;
* ``portal.py``: the access portal's role credentials, and requests made with them
  evaluated against each account's role as last provisioned;
* ``scenarios.py``: the seeded organizations and their ground truth.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from moto.iam.models import get_account_id_from, iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.organizations.models import FakeDelegatedAdministrator
from moto.moto_api._internal import mock_random
from moto.ssoadmin.models import Instance as SsoInstance
from moto.ssoadmin.models import PermissionSet as SsoPermissionSet
from moto.ssoadmin.models import SSOAdminBackend as SsoAdminBackend
from moto.ssoadmin.models import ssoadmin_backends
from moto.sts.models import sts_backends

import scenarios
from assignments import AssignmentsMixin
from faults import FaultsMixin
from identity_center import IdentityCenterMixin
from scheduler import SchedulerMixin, rest_call
from portal import PortalMixin
from policy_eval import condition_matches, principal_matches
from wire import (
    ACCOUNT_INSTANCE_REFUSED, ACCOUNT_LISTINGS, CRED_RE, PS_MUTATIONS, Call, TokenBucket,
    json_error, json_response, xml_error,
)


# moto refuses to register a delegated administrator for Identity Center.
if "sso.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
    FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("sso.amazonaws.com")


def _find_aws_managed_policy(self: Any, managed_policy_arn: str) -> Any:
    """An AWS managed policy by its real ARN, path included: job-function policies live
    under /job-function/ (IAM user guide, "AWS managed policies for job functions": e.g.
    arn:aws:iam::aws:policy/job-function/ViewOnlyAccess), and AttachManagedPolicyToPermissionSet
    answers ResourceNotFoundException for an ARN that names no policy. moto reads the path
    from a key its policy data does not have ("path" for "Path"), so it accepts
    arn:aws:iam::aws:policy/ViewOnlyAccess, which does not exist, and refuses the real one."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.ssoadmin.models import ManagedPolicy

    if self.aws_managed_policies is None:
        self.aws_managed_policies = json.loads(aws_managed_policies_data)
    name = managed_policy_arn.split("/")[-1]
    policy = self.aws_managed_policies.get(name)
    if policy is not None and managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{policy.get('Path', '/')}{name}":
        return ManagedPolicy(managed_policy_arn, name)
    raise ResourceNotFoundException(f"Policy does not exist with ARN: {managed_policy_arn}")


SsoAdminBackend._find_managed_policy = _find_aws_managed_policy


def _aws_shaped_permission_set_arn(instance_arn: str) -> str:
    """A permission set ARN as AWS gives it: arn:aws:sso:::permissionSet/ssoins-…/ps-…
    (SSO Admin API model, PermissionSetArn pattern
    `arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`;
    https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_PermissionSet.html).
    moto writes `…:instance/ssoins-…/ps-…`, which no AWS account returns."""
    prefix, instance_id = instance_arn.split(":instance/", 1)
    return f"{prefix}:permissionSet/{instance_id}/ps-{mock_random.get_random_hex(16)}"


SsoPermissionSet.generate_id = staticmethod(_aws_shaped_permission_set_arn)

_moto_instance_init = SsoInstance.__init__


def _aws_shaped_instance_init(self: Any, account_id: str, region: str) -> None:
    """An identity store id as AWS gives it: `d-` and ten hex digits (Identity Store API
    model, IdentityStoreId pattern `d-[0-9a-f]{10}` or a UUID;
    https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_ListUsers.html).
    moto draws ten lowercase letters and digits."""
    _moto_instance_init(self, account_id, region)
    self.identity_store_id = f"d-{mock_random.get_random_hex(10)}"


SsoInstance.__init__ = _aws_shaped_instance_init


class Harness(AssignmentsMixin, IdentityCenterMixin, FaultsMixin, SchedulerMixin, PortalMixin):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.counters: Counter = Counter()
        self.faults: dict[str, list[dict]] = {}
        self.limits: dict[str, dict] = {}
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.latency_ms = 0.0
        self.page_cap: int | None = None
        self.visible_instances: set[tuple[str, str]] = set()
        self.boundaries: dict[str, dict] = {}
        self.tags: dict[str, list] = {}
        self.outdated: dict[str, set[str]] = {}
        self.provisioning: dict[str, dict] = {}
        self.key_accounts: dict[str, str] = {}
        self.rng = random.Random(7)
        # Assignment creations and deletions: asynchronous like AWS's, held
        # IN_PROGRESS for `assignment_delay_ms` before they take effect.
        self.assignment_delay_ms = 0.0
        # How long a just-accepted request stays out of the status listings.
        self.status_lag_ms = 0.0
        # The seeded organization's partition (scenarios set it from their region).
        self.partition = "aws"
        # The organization instance's home region, and account instances by ARN.
        self.home_region: str | None = None
        self.account_instances: set[str] = set()
        # Regions the organization instance is replicated to (ListRegions).
        self.replica_regions: list[str] = []
        # The partition each base access key belongs to (default: every partition accepts it).
        self.key_partitions: dict[str, str] = {}
        # Identity Store user statuses set by tests (user id -> ENABLED | DISABLED).
        self.user_status: dict[str, str] = {}
        # Account states set by scenarios or tests (id -> AccountState); Status is omitted
        # unless `account_status` is set, as AWS retired it in September 2026.
        self.account_states: dict[str, str] = {}
        self.account_status = False
        # The share of assignment creations AWS ends FAILED.
        self.fail_creations = 0.0
        self.operations: dict[str, dict] = {}
        self.pending: list[dict] = []
        # Assumed-role sessions (ASIA… keys) made to expire early by `expire_sessions`.
        self.sessions_seen: set[str] = set()
        # The source identity of each assumed-role session (by its access key), and every
        # AssumeRole that succeeded: role, session name, source identity.
        self.source_identities: dict[str, str] = {}
        self.assumed: list[dict] = []
        self.expired_sessions: set[str] = set()
        # `sessions_expire_at_once`: every assumed-role session is expired from its first
        # call, as when the base credentials behind it have run out.
        self.sessions_expire_at_once = False
        # EventBridge Scheduler (scheduler.py): how long after its time a one-time schedule
        # fires (AWS: within the minute, 60-second precision), and every run so far.
        self.scheduler_lateness_ms = 60_000.0
        self.scheduler_runs: list[dict] = []
        self.scheduler_fired: set[str] = set()
        self.scheduler_retry_at: dict[str, float] = {}
        self.start_scheduler()
        # The access portal (portal.py): the inline policy each account's role holds where
        # it differs from the permission set's latest, and the role sessions handed out.
        self.role_inline: dict[tuple[str, str], str] = {}
        self.portal_sessions: dict[str, dict] = {}

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_harness/"):
            return self.control(Request(environ))(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        call = self.parse_call(environ, body)
        if call is None:
            return self.forward(environ, body, start_response)
        with self.lock:
            self.counters[call.key] += 1
            if call.access_key.startswith("ASIA"):
                self.sessions_seen.add(call.access_key)
                if self.sessions_expire_at_once:
                    self.expired_sessions.add(call.access_key)
            expired = call.access_key in self.expired_sessions
            fault = self.pick_fault(call)
            throttled = self.over_limit(call)
        if self.wrong_partition(call):
            # Credentials belong to one partition: "AWS GovCloud (US) account credentials are
            # separate from your standard AWS account credentials" (AWS GovCloud (US) User
            # Guide); the same holds for the China regions. A key used in a region of another
            # partition is unknown there.
            with self.lock:
                self.counters["harness:wrong_partition"] += 1
            message = "The security token included in the request is invalid."
            if call.service == "sts":
                return xml_error("InvalidClientTokenId", message, 403)(environ, start_response)
            return json_error("UnrecognizedClientException", message, 400)(environ, start_response)
        if expired:
            with self.lock:
                self.counters["harness:expired_token"] += 1
            message = "The security token included in the request is expired"
            if call.service == "sts":
                return xml_error("ExpiredToken", message, 400)(environ, start_response)
            return json_error("ExpiredTokenException", message, 400)(environ, start_response)
        delay = self.latency_ms + (fault or {}).get("latency_ms", 0)
        if delay:
            time.sleep(delay / 1000.0)
        if throttled or (fault and fault["kind"] == "throttle"):
            with self.lock:
                self.counters["harness:throttled"] += 1
                self.counters[f"harness:throttled:{call.service}"] += 1
            return self.throttle(call)(environ, start_response)
        if fault and fault["kind"] == "conflict":
            with self.lock:
                self.counters["harness:conflict"] += 1
            return json_error("ConflictException", "Operation failed because another request is in progress for the same resource.", 409)(environ, start_response)
        if fault and fault["kind"] == "internal":
            # Every sso-admin and identitystore operation lists InternalServerException
            # (HTTP 500, a fault) among its errors; Organizations answers ServiceException
            # ("can't complete your request because of an internal service error. Try
            # again later."). Source: the service models' error shapes (botocore
            # sso-admin/identitystore/organizations service-2.json) and each operation's
            # "Errors" section in the API references.
            with self.lock:
                self.counters["harness:internal_error"] += 1
            return self.internal_error(call)(environ, start_response)
        if fault and fault["kind"] == "cut":
            # A connection that drops mid-answer: the headers promise more body than comes.
            with self.lock:
                self.counters["harness:cut_body"] += 1
            return self.cut_body(call, environ, body, start_response)
        if fault and fault["kind"] == "access_denied":
            with self.lock:
                self.counters["harness:access_denied"] += 1
            return self.access_denied(call, f"{call.service}:{call.op}")(environ, start_response)
        return self.respond(call, environ, body, start_response)

    def respond(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        """The answer AWS would give once past limits and faults."""
        override = self.override(call)
        if override is not None:
            return override(environ, start_response)
        if call.service == "sts" and call.op == "AssumeRole":
            return self.assume_role(call, environ, body, start_response)
        body = self.cap_page(call, body)
        if call.service == "organizations" and call.op in ACCOUNT_LISTINGS:
            return self.forward_with_state(environ, body, start_response)
        if call.service == "identitystore" and call.op in ("ListUsers", "DescribeUser"):
            return self.forward_with_user_status(environ, body, start_response)
        if call.service == "sso" and call.op in PS_MUTATIONS:
            self.freeze_roles(call.params.get("PermissionSetArn", ""))
        if call.op in ("DescribePermissionSet", "CreatePermissionSet", "UpdatePermissionSet") or (
            call.service == "sso" and call.op in PS_MUTATIONS
        ):
            return self.forward_and_fix(environ, body, start_response, call)
        return self.forward(environ, body, start_response)

    def assume_role(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        """moto's credentials, remembering the new session's source identity (set now, or
        carried over from the calling session: "The value that is set persists when a role is
        used to assume another role", IAM User Guide, "Monitor and control actions taken with
        assumed roles",
        https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html)
        and the session's name."""
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.forward(environ, body, capture))
        m = re.search(rb"<AccessKeyId>([A-Z0-9]+)</AccessKeyId>", chunks)
        if captured["status"].startswith("200") and m:
            with self.lock:
                source = call.params.get("SourceIdentity") or self.source_identities.get(call.access_key)
                if source:
                    self.source_identities[m.group(1).decode()] = source
                self.assumed.append({
                    "role_arn": call.params.get("RoleArn"),
                    "session_name": call.params.get("RoleSessionName"),
                    "source_identity": source,
                })
        start_response(captured["status"], captured["headers"])
        return [chunks]

    def forward(self, environ: dict, body: bytes, start_response: Any) -> Any:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.moto(environ, start_response)

    def forward_json(self, environ: dict, body: bytes, start_response: Any, fix: Any) -> Any:
        """moto's answer, with `fix(doc)` applied to a successful JSON body."""
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.forward(environ, body, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if captured["status"].startswith("200"):
            try:
                doc = json.loads(chunks or b"{}")
                fix(doc)
                chunks = json.dumps(doc).encode()
            except ValueError:
                pass
        headers.append(("Content-Length", str(len(chunks))))
        start_response(captured["status"], headers)
        return [chunks]

    def forward_with_state(self, environ: dict, body: bytes, start_response: Any) -> Any:
        """Accounts with `State`, and without the retired `Status`.

        Organizations API reference, Account: "The Status parameter in the Account object
        will be retired on September 9, 2026 ... use the State parameter instead"; State is
        one of PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED (AccountState).
        moto returns only Status. `account_status` (config) keeps Status as well.
        """

        def fix(doc: dict) -> None:
            accounts = doc.get("Accounts") or ([doc["Account"]] if "Account" in doc else [])
            for a in accounts:
                state = self.account_states.get(a.get("Id"), a.get("Status") or "ACTIVE")
                a["State"] = state
                if self.account_status:
                    a["Status"] = {"PENDING_ACTIVATION": "ACTIVE", "CLOSED": "SUSPENDED"}.get(state, state)
                else:
                    a.pop("Status", None)

        return self.forward_json(environ, body, start_response, fix)

    def forward_with_user_status(self, environ: dict, body: bytes, start_response: Any) -> Any:
        """Users with their `UserStatus` (ENABLED or DISABLED), which moto leaves out.

        Identity Store API reference, User data type: "UserStatus — The current status of the
        user account" (ENABLED | DISABLED), returned by ListUsers and DescribeUser.
        """

        def fix(doc: dict) -> None:
            users = doc.get("Users") if "Users" in doc else [doc]
            for u in users:
                if isinstance(u, dict) and u.get("UserId"):
                    u["UserStatus"] = self.user_status.get(u["UserId"], "ENABLED")

        return self.forward_json(environ, body, start_response, fix)

    def forward_and_fix(self, environ: dict, body: bytes, start_response: Any, call: Call) -> Any:
        def fix(doc: dict) -> None:
            if call.op in PS_MUTATIONS:
                self.mark_outdated(call)
            ps = doc.get("PermissionSet")
            if isinstance(ps, dict):
                # moto returns the default SessionDuration as a number.
                sd = ps.get("SessionDuration")
                if sd is None or not isinstance(sd, str):
                    ps["SessionDuration"] = "PT1H"
                if call.op == "CreatePermissionSet" and call.params.get("Tags"):
                    self.tags[ps["PermissionSetArn"]] = list(call.params["Tags"])

        return self.forward_json(environ, body, start_response, fix)

    def parse_call(self, environ: dict, body: bytes) -> Call | None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = CRED_RE.search(auth)
        if not m:
            return None
        access_key, region, service = m.group(1), m.group(2), m.group(3)
        target = environ.get("HTTP_X_AMZ_TARGET")
        if service == "scheduler":
            # A REST-JSON API: the operation is in the method and the path.
            op, params = rest_call(environ, body)
            return Call(service, region, op, params, access_key)
        if target:
            op = target.split(".")[-1]
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            op = form.get("Action", "Unknown")
            params = form
        return Call(service, region, op, params, access_key)

    def account_of(self, access_key: str) -> str:
        with self.lock:
            cached = self.key_accounts.get(access_key)
        if cached:
            return cached
        account = get_account_id_from(access_key)
        with self.lock:
            self.key_accounts[access_key] = account
        return account

    def wrong_partition(self, call: Call) -> bool:
        home = self.key_partitions.get(call.access_key)
        return home is not None and home != scenarios.partition_of(call.region)

    def caller_principal_arn(self, call: Call) -> str:
        """The caller as `aws:PrincipalArn` names it: a role session's role ARN, path included."""
        account = self.account_of(call.access_key)
        for backend in sts_backends[account].values():
            role = backend.get_assumed_role_from_access_key(call.access_key)
            if role is not None:
                return role.role_arn
        return f"arn:aws:iam::{account}:user/hallpass-test"

    def caller_arn(self, call: Call) -> str:
        account = self.account_of(call.access_key)
        for backend in sts_backends[account].values():
            role = backend.get_assumed_role_from_access_key(call.access_key)
            if role is not None:
                return role.arn
        return f"arn:aws:iam::{account}:user/hallpass-test"

    def account_of_unlocked(self, access_key: str) -> str:
        cached = self.key_accounts.get(access_key)
        if cached:
            return cached
        account = get_account_id_from(access_key)
        self.key_accounts[access_key] = account
        return account

    def override(self, call: Call) -> Response | None:
        if call.service == "sts" and call.op == "AssumeRole":
            return self.check_trust(call)
        if call.service == "identitystore" and call.op == "CreateUser":
            return self.ids_CreateUser(call)
        if call.service == "identitystore" and call.op == "CreateGroupMembership":
            return self.ids_CreateGroupMembership(call)
        if call.service == "scheduler":
            return self.scheduler_check(call)
        if call.service != "sso":
            return None
        self.settle()
        if call.params.get("InstanceArn") in self.account_instances and call.op in ACCOUNT_INSTANCE_REFUSED:
            # Account instances hold no permission sets and no account assignments (IAM
            # Identity Center user guide, "Account instances of IAM Identity Center";
            # ListAccountAssignmentsForPrincipal: "not valid for account instances").
            return json_error(
                "ValidationException",
                "This operation is not supported for account instances of IAM Identity Center.",
                400,
            )
        handler = getattr(self, f"sso_{call.op}", None)
        return handler(call) if handler else None

    def check_trust(self, call: Call) -> Response | None:
        role_arn = call.params.get("RoleArn", "")
        # Role ARNs of every partition (ARN format, AWS General Reference: aws, aws-us-gov, aws-cn).
        m = re.match(r"^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", role_arn)
        if not m:
            return xml_error("ValidationError", f"{role_arn} is invalid", 400)
        partition, account, name = m.group(1), m.group(2), m.group(3)
        if partition != scenarios.partition_of(call.region):
            return xml_error("ValidationError", f"{role_arn} is not in the partition of {call.region}", 400)
        try:
            role = iam_backends[account][partition].get_role(name)
        except Exception:
            return self.access_denied(call, "sts:AssumeRole", role_arn)
        policy = json.loads(role.assume_role_policy_document or "{}")
        caller_account = self.account_of(call.access_key)
        caller = self.caller_principal_arn(call)
        # Source identity (IAM User Guide, "Monitor and control actions taken with assumed
        # roles"): set with AssumeRole's SourceIdentity, it persists into chained sessions and
        # cannot be changed there; setting it needs sts:SetSourceIdentity in the role's trust
        # policy. Whether a chained session carrying one needs that permission again on the
        # next role is not spelled out; the harness takes the strict reading (it does), so
        # Hallpass cannot rely on the lenient one.
        inherited = self.source_identities.get(call.access_key)
        wanted = call.params.get("SourceIdentity")
        if inherited and wanted and wanted != inherited:
            return self.access_denied(call, "sts:SetSourceIdentity", role_arn)
        source_identity = wanted or inherited
        if source_identity and (len(source_identity) < 2 or source_identity.lower().startswith("aws:")
                                or not re.match(r"^[\w+=,.@-]+$", source_identity)):
            return xml_error("ValidationError", f"SourceIdentity {source_identity!r} is invalid", 400)
        context = {
            "sts:externalid": call.params.get("ExternalId"),
            "aws:principalarn": caller,
            "aws:principalaccount": caller_account,
            "sts:sourceidentity": source_identity,
        }

        def allowed(action: str) -> bool:
            for stmt in policy.get("Statement", []):
                if stmt.get("Effect") != "Allow":
                    continue
                actions = stmt.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if not any(a in (action, "sts:*", "*") for a in actions):
                    continue
                if not principal_matches(stmt.get("Principal", {}), caller_account, caller):
                    continue
                if not condition_matches(stmt.get("Condition", {}), context):
                    continue
                return True
            return False

        if not allowed("sts:AssumeRole"):
            return self.access_denied(call, "sts:AssumeRole", role_arn)
        if source_identity and not allowed("sts:SetSourceIdentity"):
            return self.access_denied(call, "sts:SetSourceIdentity", role_arn)
        return None  # allowed: let moto issue the credentials

    def backend_for(self, call: Call) -> Any:
        return ssoadmin_backends[self.account_of(call.access_key)][call.region]

    def count(self, key: str) -> None:
        with self.lock:
            self.counters[key] += 1

    def control(self, request: Request) -> Response:
        what = request.path[len("/_harness/"):]
        try:
            payload = request.get_json(force=True, silent=True) or {}
            if what == "scenario":
                truth = scenarios.build(self, payload)
                return json_response(truth)
            if what == "config":
                self.configure(payload)
                return json_response({"ok": True})
            if what == "counters":
                with self.lock:
                    return json_response(dict(self.counters))
            if what == "scheduler_runs":
                with self.lock:
                    return json_response(list(self.scheduler_runs))
            if what == "schedules":
                return json_response(self.all_schedules())
            if what == "assumed":
                with self.lock:
                    return json_response(list(self.assumed))
            if what == "counters/reset":
                with self.lock:
                    self.counters.clear()
                return json_response({"ok": True})
            if what == "mutate":
                return json_response(scenarios.mutate(self, payload))
            if what == "portal/credentials":
                return json_response(self.portal_credentials(payload))
            if what == "portal/call":
                return json_response(self.portal_call(payload))
            if what == "role_policy":
                return json_response({"policy": self.role_policy(payload["permission_set_arn"], payload["account_id"])})
            if what == "expire_sessions":
                # Every assumed-role session used so far ends now, as if its time ran out.
                with self.lock:
                    self.expired_sessions |= self.sessions_seen
                    n = len(self.expired_sessions)
                return json_response({"expired": n})
            return json_response({"error": f"unknown control path {what}"}, 404)
        except Exception as exc:  # the test sees the cause instead of a hang
            return json_response({"error": f"{type(exc).__name__}: {exc}"}, 500)

    def configure(self, payload: dict) -> None:
        with self.lock:
            if "faults" in payload:
                # Several faults may share an operation key; each is tried in turn.
                self.faults = {}
                for f in payload["faults"]:
                    self.faults.setdefault(f["operation"], []).append(dict(f))
            if "limits" in payload:
                self.limits = dict(payload["limits"] or {})
                self.buckets.clear()
            if "latency_ms" in payload:
                self.latency_ms = float(payload["latency_ms"] or 0)
            if "page_cap" in payload:
                self.page_cap = payload["page_cap"]
            if "seed" in payload:
                self.rng.seed(payload["seed"])
            if "assignment_delay_ms" in payload:
                self.assignment_delay_ms = float(payload["assignment_delay_ms"] or 0)
            if "replica_regions" in payload:
                self.replica_regions = list(payload["replica_regions"] or [])
            if "key_partitions" in payload:
                self.key_partitions = dict(payload["key_partitions"] or {})
            if "account_status" in payload:
                self.account_status = bool(payload["account_status"])
            if "fail_creations" in payload:
                self.fail_creations = float(payload["fail_creations"] or 0)
            if "status_lag_ms" in payload:
                self.status_lag_ms = float(payload["status_lag_ms"] or 0)
            if "scheduler_lateness_ms" in payload:
                self.scheduler_lateness_ms = float(payload["scheduler_lateness_ms"] or 0)
            if "sessions_expire_at_once" in payload:
                self.sessions_expire_at_once = bool(payload["sessions_expire_at_once"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    harness = Harness()
    server = make_server("127.0.0.1", args.port, harness, threaded=True)
    print(f"HARNESS_READY http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
