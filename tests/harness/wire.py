"""The wire: one AWS call as the middleware sees it, rate-limit buckets, and AWS's
JSON and XML answers (errors and pages)."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from werkzeug.wrappers import Response




CRED_RE = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")

# What an account instance refuses: every permission-set and account-assignment operation.
ACCOUNT_INSTANCE_REFUSED = {
    "ListPermissionSets", "CreatePermissionSet", "DescribePermissionSet", "DeletePermissionSet",
    "ListAccountAssignments", "ListAccountAssignmentsForPrincipal", "CreateAccountAssignment",
    "DeleteAccountAssignment", "ProvisionPermissionSet", "ListAccountsForProvisionedPermissionSet",
    "ListPermissionSetsProvisionedToAccount", "PutInlinePolicyToPermissionSet",
    "AttachManagedPolicyToPermissionSet",
}

# Organizations operations that answer Account objects.
ACCOUNT_LISTINGS = {"ListAccounts", "ListAccountsForParent", "DescribeAccount"}

# Outstanding asynchronous assignment changes allowed per instance (see `_begin`).
MAX_OUTSTANDING = 15

THROTTLE_CODE = {
    "sso": "ThrottlingException",
    "identitystore": "ThrottlingException",
    "organizations": "TooManyRequestsException",
    "sts": "Throttling",
}

# Operations that change a permission set: accounts holding it become outdated.
PS_MUTATIONS = {
    "UpdatePermissionSet",
    "PutInlinePolicyToPermissionSet",
    "DeleteInlinePolicyFromPermissionSet",
    "AttachManagedPolicyToPermissionSet",
    "DetachManagedPolicyFromPermissionSet",
    "AttachCustomerManagedPolicyReferenceToPermissionSet",
    "DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "PutPermissionsBoundaryToPermissionSet",
    "DeletePermissionsBoundaryFromPermissionSet",
}


class Call:
    """One AWS API call as the middleware sees it."""

    def __init__(self, service: str, region: str, op: str, params: dict, access_key: str):
        self.service = service
        self.region = region
        self.op = op
        self.params = params
        self.access_key = access_key

    @property
    def key(self) -> str:
        return f"{self.service}:{self.op}"


class TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def instance_json(instance: Any, owner: str) -> dict:
    """InstanceMetadata as AWS returns it, with the owning account (moto leaves it out)."""
    doc = instance.to_json()
    doc["OwnerAccountId"] = owner
    return doc


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(doc, default=str),
        status,
        headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": str(uuid.uuid4())},
    )


def json_error(code: str, message: str, status: int) -> Response:
    return Response(
        json.dumps({"__type": code, "message": message}),
        status,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


def xml_error(code: str, message: str, status: int) -> Response:
    rid = str(uuid.uuid4())
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return Response(body, status, headers={"Content-Type": "text/xml", "x-amzn-RequestId": rid})


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paged(call: Call, items: list, key: str, cap: int | None) -> Response:
    limit = int(call.params.get("MaxResults") or 100)
    if cap:
        limit = min(limit, cap)
    start = int(call.params.get("NextToken") or 0)
    page = items[start : start + limit]
    doc: dict = {key: page}
    if start + limit < len(items):
        doc["NextToken"] = str(start + limit)
    return json_response(doc)
