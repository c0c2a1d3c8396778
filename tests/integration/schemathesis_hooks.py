"""A check for Schemathesis: schema-valid input is never refused as malformed.

Business rules may still refuse it (422 with the rule's code, which the configuration
allows); a 422 ``validation_error`` or a 400 means the document and the validators disagree.
"""

import schemathesis
from schemathesis.core.failures import Failure


@schemathesis.check
def schema_and_validators_agree(ctx, response, case):
    """Fail when schema-valid input is answered 400 or 422 validation_error."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    if response.status_code == 400 or code == "validation_error":
        raise Failure(
            operation=case.operation.label,
            title="Schema-valid input refused as invalid",
            message=f"{response.status_code} {code}: {response.text[:500]}",
        )
    return None
