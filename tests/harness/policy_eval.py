"""IAM policy evaluation, as far as the harness needs it: the trust policy on
sts:AssumeRole (principals and conditions) and identity policies on the management
role (ArnLike, StringEquals …). Each rule cites the IAM User Guide section it follows."""

from __future__ import annotations

import json
import re
from typing import Any





def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters (slashes too), `?` any one character."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike/ArnEquals as IAM evaluates them: "Each of the six colon-delimited components of
    the ARN is checked separately and each can include multi-character match wildcards (*) or
    single-character match wildcards (?)" (IAM User Guide, "IAM JSON policy elements: Condition
    operators", Amazon Resource Name (ARN) condition operators)."""
    p, a = pattern.split(":", 5), arn.split(":", 5)
    return len(p) == 6 and len(a) == 6 and all(glob_match(x, y) for x, y in zip(p, a))


def policies_allow(docs: list, action: str, resource: str, context: dict | None = None) -> bool:
    """Identity-based policy evaluation as IAM does it, for Allow/Deny statements with Action
    and Resource (IAM User Guide, "Policy evaluation logic": an explicit Deny wins, otherwise
    an Allow is needed; actions match case-insensitively with wildcards, resources as ARNs).
    With a request `context` (condition keys in lower case), a statement's Condition must
    hold for it to apply; without one, a Deny applies whatever its condition (the stricter
    reading) and an Allow with a condition never does."""
    allowed = False
    for doc in docs:
        if isinstance(doc, str):
            try:
                doc = json.loads(doc)
            except ValueError:
                continue
        stmts = doc.get("Statement", [])
        stmts = [stmts] if isinstance(stmts, dict) else stmts
        for s in stmts:
            actions = s.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = s.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            if not any(glob_match(a, action, ignore_case=True) for a in actions):
                continue
            if not any(r == "*" or arn_like(r, resource) for r in resources):
                continue
            cond = s.get("Condition")
            if context is not None:
                applies = not cond or condition_matches(cond, context)
                if s.get("Effect") == "Deny" and applies:
                    return False
                if s.get("Effect") == "Allow" and applies:
                    allowed = True
                continue
            if s.get("Effect") == "Deny":
                return False
            if s.get("Effect") == "Allow" and not cond:
                allowed = True
    return allowed


def principal_matches(principal: Any, caller_account: str, caller_principal_arn: str) -> bool:
    """IAM User Guide, "AWS JSON policy elements: Principal": an account (its id or its
    `:root` ARN) stands for every principal of that account (the identity-side policy of the
    caller is not modelled: the harness's base identity is an administrator); a role ARN
    stands for the sessions of exactly that role — path included, since the principal is the
    role's ARN while the session ARN drops the path; a user ARN for that user; "*" for
    anyone."""
    if principal == "*":
        return True
    aws = principal.get("AWS", []) if isinstance(principal, dict) else []
    aws = [aws] if isinstance(aws, str) else aws
    for p in aws:
        if p == "*" or p == caller_account or p.endswith(f"::{caller_account}:root"):
            return True
        if p == caller_principal_arn:
            return True
    return False


# Condition keys the harness knows (IAM User Guide, "AWS global condition context keys":
# aws:PrincipalArn is the ARN of the role for a role session, path included;
# "Available request context keys for AWS STS": sts:ExternalId; IAM Identity Center user
# guide, "Revoke active IAM role sessions created by permission sets":
# identitystore:UserId on a permission set's role session). Keys compare without case.
def condition_matches(condition: dict, context: dict) -> bool:
    """Every operator and every key must hold (AND); any of a key's values may match (OR).
    A missing key fails the condition unless the operator ends in IfExists; an operator the
    harness does not know denies (IAM User Guide, "Condition operators" and "Creating a
    condition with multiple keys or values")."""
    for operator, clauses in condition.items():
        op = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
        for key, expected in clauses.items():
            values = [expected] if isinstance(expected, str) else list(expected)
            value = context.get(key.lower())
            if value is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            if op == "StringEquals":
                ok = value in values
            elif op == "StringNotEquals":
                ok = value not in values
            elif op == "StringEqualsIgnoreCase":
                ok = value.lower() in [v.lower() for v in values]
            elif op == "StringLike":
                ok = any(glob_match(v, value) for v in values)
            elif op == "StringNotLike":
                ok = not any(glob_match(v, value) for v in values)
            elif op in ("ArnLike", "ArnEquals"):
                ok = any(arn_like(v, value) for v in values)
            elif op in ("ArnNotLike", "ArnNotEquals"):
                ok = not any(arn_like(v, value) for v in values)
            else:
                ok = False
            if not ok:
                return False
    return True
