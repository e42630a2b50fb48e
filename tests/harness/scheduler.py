"""EventBridge Scheduler as AWS runs it, around moto's store of schedules.

moto keeps schedules and groups but never runs them. The harness adds what AWS does
(each behaviour cites the document it follows):

* CreateSchedule and UpdateSchedule check the execution role: it must exist and its
  trust policy must let ``scheduler.amazonaws.com`` assume it, else ValidationException
  "The execution role you provide must allow AWS EventBridge Scheduler to assume the
  role." (the error AWS gives, aws/aws-sdk-js-v3 issue 6494; the CreateSchedule API
  reference lists ValidationException). A schedule in a group that does not exist is
  ResourceNotFoundException, a second group of the same name ConflictException (both
  in the operations' error lists), where moto answers 500 or silently replaces it.
* A one-time schedule ``at(yyyy-mm-ddThh:mm:ss)`` (Schedule types in EventBridge
  Scheduler) invokes its target once, between its time and the end of that minute
  ("All schedule types on EventBridge Scheduler invoke their targets with 60 second
  precision"): the harness fires it a configurable ``scheduler_lateness_ms`` after its
  time (AWS: up to 60 s; tests may shorten it). What AWS does with an ``at()`` in the
  past is not documented; the harness refuses it (ValidationException), the reading
  under which a product that relied on such a schedule would be caught, never a revoke
  skipped silently.
* The target is a universal target, ``arn:aws:scheduler:::aws-sdk:service:apiAction``
  (Using universal targets in EventBridge Scheduler), called with the execution role:
  the role's identity policies must allow the action, else the invocation fails and is
  recorded (AWS retries it under the RetryPolicy, then drops it; the harness records one
  failed attempt per schedule). Supported: ``ssoadmin:deleteAccountAssignment`` and
  ``identitystore:deleteGroupMembership``, performed on the emulator as the role.
* ActionAfterCompletion DELETE removes the schedule once it ran (CreateSchedule API
  reference); NONE keeps it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.iam.models import iam_backends
from moto.scheduler.models import scheduler_backends

from policy_eval import condition_matches, policies_allow
from wire import Call, json_error

AT_RE = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
UNIVERSAL_RE = re.compile(r"^arn:(aws[a-z-]*):scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$")

# The operations of the scheduler REST API (botocore scheduler service-2.json: method and
# requestUri of each).
REST_OPS = [
    ("POST", "/schedules/", "CreateSchedule"),
    ("PUT", "/schedules/", "UpdateSchedule"),
    ("GET", "/schedules/", "GetSchedule"),
    ("DELETE", "/schedules/", "DeleteSchedule"),
    ("GET", "/schedules", "ListSchedules"),
    ("POST", "/schedule-groups/", "CreateScheduleGroup"),
    ("GET", "/schedule-groups/", "GetScheduleGroup"),
    ("DELETE", "/schedule-groups/", "DeleteScheduleGroup"),
    ("GET", "/schedule-groups", "ListScheduleGroups"),
]


def rest_call(environ: dict, body: bytes) -> tuple[str, dict]:
    """The operation and its parameters (path name, query string, JSON body)."""
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
    params: dict = {}
    try:
        params.update(json.loads(body or b"{}"))
    except ValueError:
        pass
    for k, v in parse_qs(environ.get("QUERY_STRING", "")).items():
        params[k] = v[0]
    for m, prefix, op in REST_OPS:
        if method != m:
            continue
        if prefix.endswith("/") and path.startswith(prefix) and len(path) > len(prefix):
            params["Name"] = unquote(path[len(prefix):])
            return op, params
        if path == prefix:
            return op, params
    return "Unknown", params


def at_time(expression: str, tz: str | None) -> float | None:
    m = AT_RE.match(expression or "")
    if not m:
        return None
    if (tz or "UTC") != "UTC":
        return None
    return datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def trust_allows_service(doc: Any, service: str, context: dict) -> bool:
    """Whether a trust policy lets `service` assume the role (IAM User Guide: AWS service
    principals in a role trust policy; conditions such as aws:SourceAccount evaluated)."""
    if isinstance(doc, str):
        doc = json.loads(doc)
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for st in statements:
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        services = (st.get("Principal") or {}).get("Service", []) if isinstance(st.get("Principal"), dict) else []
        services = [services] if isinstance(services, str) else services
        if service not in services:
            continue
        if not condition_matches(st.get("Condition") or {}, context):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


class SchedulerMixin:
    """Mixed into ``server.Harness``: reads ``scheduler_lateness_ms``, writes ``scheduler_runs``,
    ``scheduler_fired`` and ``scheduler_retry_at``."""

    def scheduler_check(self, call: Call) -> Any:
        """AWS's checks on a schedule being written, before moto stores it."""
        backend = scheduler_backends[self.account_of(call.access_key)][call.region]
        p = call.params
        if call.op == "CreateScheduleGroup" and p.get("Name") in backend.schedule_groups:
            return json_error("ConflictException", f"Schedule group {p.get('Name')} already exists.", 409)
        if call.op not in ("CreateSchedule", "UpdateSchedule"):
            return None
        group = p.get("GroupName") or "default"
        if group not in backend.schedule_groups:
            return json_error("ResourceNotFoundException", f"Schedule group {group} does not exist.", 404)
        role_arn = (p.get("Target") or {}).get("RoleArn", "")
        if not self.scheduler_may_assume(role_arn, self.account_of(call.access_key)):
            return json_error(
                "ValidationException",
                "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.",
                400,
            )
        expression = p.get("ScheduleExpression", "")
        when = at_time(expression, p.get("ScheduleExpressionTimezone"))
        if AT_RE.match(expression) and when is not None and when < time.time():
            return json_error("ValidationException", f"The schedule time {expression} is in the past.", 400)
        return None

    def _execution_role(self, role_arn: str, account: str) -> Any:
        try:
            return iam_backends[account][role_arn.split(":")[1]].get_role_by_arn(role_arn)
        except Exception:
            return None

    def scheduler_may_assume(self, role_arn: str, account: str) -> bool:
        role = self._execution_role(role_arn, account)
        if role is None:
            return False
        context = {"aws:sourceaccount": account}
        return trust_allows_service(role.assume_role_policy_document, "scheduler.amazonaws.com", context)

    def start_scheduler(self) -> None:
        def loop() -> None:
            while True:
                time.sleep(0.2)
                try:
                    self.fire_due_schedules()
                except Exception as e:  # keep the clock running; the run records the error
                    with self.lock:
                        self.scheduler_runs.append({"error": repr(e)})

        threading.Thread(target=loop, daemon=True, name="scheduler").start()

    def fire_due_schedules(self) -> None:
        now = time.time()
        lateness = self.scheduler_lateness_ms / 1000.0
        for account, regional in list(scheduler_backends.items()):
            for region, backend in list(regional.items()):
                for group in list(backend.schedule_groups.values()):
                    for schedule in list(group.schedules.values()):
                        # UpdateSchedule without State leaves it at its default, ENABLED ("If you
                        # do not specify an optional parameter, EventBridge Scheduler sets it to
                        # its default value", UpdateSchedule API reference); moto stores None.
                        if schedule.state not in (None, "ENABLED") or schedule.arn in self.scheduler_fired:
                            continue
                        when = at_time(schedule.schedule_expression, schedule.schedule_expression_timezone)
                        if when is None or now < max(when + lateness, self.scheduler_retry_at.get(schedule.arn, 0)):
                            continue
                        result = self._invoke(schedule, account, region)
                        if result in ("error-409", "error-429") or result.startswith("error-5"):
                            # A busy account or throttling: Scheduler retries the invocation
                            # under the target's RetryPolicy (CreateSchedule API reference,
                            # RetryPolicy: up to 185 attempts within MaximumEventAgeInSeconds).
                            self.scheduler_retry_at[schedule.arn] = now + 1.0
                            self.count(f"scheduler:retry:{result}")
                            continue
                        self.scheduler_fired.add(schedule.arn)
                        with self.lock:
                            self.scheduler_runs.append({
                                "schedule": schedule.name, "group": group.name, "at": when,
                                "fired_at": now, "target": schedule.target.get("Arn"), "result": result,
                            })
                            self.counters[f"scheduler:fired:{result}"] += 1
                        if schedule.action_after_completion == "DELETE":
                            group.delete_schedule(schedule.name)

    def _invoke(self, schedule: Any, account: str, region: str) -> str:
        target = schedule.target or {}
        m = UNIVERSAL_RE.match(target.get("Arn", ""))
        if not m:
            return "unsupported-target"
        service, action = m.group(2), m.group(3)
        role = self._execution_role(target.get("RoleArn", ""), account)
        if role is None:
            return "role-missing"
        docs = list(role.policies.values())
        for managed in role.managed_policies.values():
            try:
                docs.append(managed.default_version.document)
            except AttributeError:
                pass
        iam_action = {"ssoadmin": "sso", "identitystore": "identitystore"}.get(service, service) + ":" + action[0].upper() + action[1:]
        try:
            params = json.loads(target.get("Input") or "{}")
        except ValueError:
            return "bad-input"
        # The resources IAM checks for each action (Service Authorization Reference, "Actions,
        # resources, and condition keys" for IAM Identity Center and Identity Store): every
        # one must be allowed.
        if service == "ssoadmin":
            resources = [
                params.get("InstanceArn", ""),
                params.get("PermissionSetArn", ""),
                f"arn:{m.group(1)}:sso:::account/{params.get('TargetId', '')}",
            ]
        else:
            resources = [
                f"arn:{m.group(1)}:identitystore::{account}:identitystore/{params.get('IdentityStoreId', '')}",
                f"arn:{m.group(1)}:identitystore:::membership/{params.get('MembershipId', '')}",
            ]
        if not all(policies_allow(docs, iam_action, r) for r in resources):
            return "access-denied"
        op = action[0].upper() + action[1:]
        key = self.role_session_key(account, role.arn)
        call = Call("sso" if service == "ssoadmin" else service, region, op, params, key)
        if (service, op) == ("ssoadmin", "DeleteAccountAssignment"):
            answer = self.sso_DeleteAccountAssignment(call)
            return "invoked" if answer.status_code == 200 else f"error-{answer.status_code}"
        if (service, op) == ("identitystore", "DeleteGroupMembership"):
            return self.delete_membership_as(account, region, params)
        return "unsupported-target"

    def role_session_key(self, account: str, role_arn: str) -> str:
        """An access key of a session of the execution role, as Scheduler holds when it calls
        the target (moto's STS makes it; the harness maps the key to its account)."""
        from moto.sts.models import sts_backends

        session = sts_backends[account][role_arn.split(":")[1]].assume_role(
            region_name="us-east-1", role_session_name="scheduler", role_arn=role_arn,
            policy="", duration=900, external_id="",
        )
        with self.lock:
            self.key_accounts[session.access_key_id] = account
        return session.access_key_id

    def delete_membership_as(self, account: str, region: str, params: dict) -> str:
        from moto.identitystore.models import identitystore_backends

        backend = identitystore_backends[account][region]
        store_id, membership_id = params.get("IdentityStoreId", ""), params.get("MembershipId", "")
        # A membership id that is not (or no longer) in the store is ResourceNotFoundException
        # (DeleteGroupMembership API reference, Errors; botocore's identitystore model lists
        # it). moto deletes nothing and answers success, which would hide a schedule aimed at
        # a membership that was removed and re-created under a new id.
        store = backend.identity_stores.get(store_id)
        if store is None or membership_id not in store.group_memberships:
            return "error-ResourceNotFoundException"
        try:
            backend.delete_group_membership(store_id, membership_id)
        except Exception as e:
            return f"error-{type(e).__name__}"
        return "invoked"

    def all_schedules(self) -> list[dict]:
        """Every schedule of every account and region, as GetSchedule shows it."""
        out = []
        for regional in list(scheduler_backends.values()):
            for backend in list(regional.values()):
                for group in list(backend.schedule_groups.values()):
                    out.extend(s.to_dict() for s in list(group.schedules.values()))
        return out
