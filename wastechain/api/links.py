"""OpenAPI links: which id in an answer feeds which operation, so a client or a fuzzer follows
POST /manifests → GET /manifests/{manifest_id} instead of guessing ids (OpenAPI 3 `links` on responses).

An apispec plugin adds them as each path is registered: one table here, no view changes."""
from apispec import BasePlugin

PREFIX = "/api/v1"
FIRST = "$response.body#/items/0/id"  # a list's first item
CREATED = "$response.body#/id"

# (method, path the answer comes from, status) → [(method, target path, {parameter: expression})]
_MANIFEST = ["GET /manifests/{manifest_id}", "POST /manifests/{manifest_id}/events",
             "POST /manifests/{manifest_id}/handover-code", "GET /manifests/{manifest_id}/verify",
             "GET /manifests/{manifest_id}/qr.png", "GET /manifests/{manifest_id}/qr.svg",
             "GET /manifests/{manifest_id}/origins", "GET /manifests/{manifest_id}/corrections",
             "POST /manifests/{manifest_id}/corrections", "POST /manifests/{manifest_id}/correction-asks",
             "POST /manifests/{manifest_id}/paper-entries", "POST /manifests/{manifest_id}/track",
             "GET /manifests/{manifest_id}/track"]
_BATCH = ["GET /batches/{batch_id}", "GET /batches/{batch_id}/label.png", "GET /batches/{batch_id}/label.svg",
          "GET /batches/{batch_id}/label.pdf", "GET /batches/{batch_id}/trace", "GET /batches/{batch_id}/certificate.pdf"]
_ORGANIZATION = ["GET /organizations/{org_id}", "POST /organizations/{org_id}/sites",
                 "POST /organizations/{org_id}/permits", "GET /organizations/{org_id}/permits",
                 "POST /organizations/{org_id}/vehicles", "GET /organizations/{org_id}/vehicles"]
_SITE = ["GET /sites/{site_id}/ledger", "GET /sites/{site_id}/stock", "GET /sites/{site_id}/storage"]
_CONTAINER = ["GET /containers/{container_id}", "POST /containers/{container_id}/contents",
              "POST /containers/{container_id}/receive"]
_APPROVAL = ["GET /approvals/{approval_id}", "POST /approvals/{approval_id}/revoke"]
_ANOMALY = ["GET /anomalies/{anomaly_id}", "PATCH /anomalies/{anomaly_id}", "POST /anomalies/{anomaly_id}/notes",
            "POST /anomalies/{anomaly_id}/assignment"]
_CORRECTION = ["GET /corrections/{correction_id}", "POST /corrections/{correction_id}/approve",
               "POST /corrections/{correction_id}/refuse"]
_PAPER_ENTRY = ["POST /paper-entries/{entry_id}/confirm", "GET /paper-entries/{entry_id}/scan"]

LINKS = {
    ("post", "/manifests", "201"): (_MANIFEST, CREATED),
    ("get", "/manifests", "200"): (_MANIFEST, FIRST),
    ("post", "/containers/manifests", "201"): (_MANIFEST, CREATED),
    ("post", "/batches", "201"): (_BATCH, CREATED),
    ("get", "/batches", "200"): (_BATCH, FIRST),
    ("post", "/organizations", "201"): (_ORGANIZATION, CREATED),
    ("get", "/organizations", "200"): (_ORGANIZATION, FIRST),
    ("post", "/organizations/{org_id}/sites", "201"): (_SITE, CREATED),
    ("post", "/users", "201"): (["POST /users/{user_id}/tokens/revoke"], CREATED),
    ("post", "/containers", "201"): (_CONTAINER, CREATED),
    ("get", "/anomalies", "200"): (_ANOMALY, FIRST),
    ("post", "/approvals", "201"): (_APPROVAL, CREATED),
    ("get", "/approvals", "200"): (_APPROVAL, FIRST),
    ("get", "/disposals", "200"): (["GET /disposals/{disposal_id}/origins"], FIRST),
    ("post", "/manifests/{manifest_id}/corrections", "201"): (_CORRECTION, CREATED),
    ("post", "/manifests/{manifest_id}/correction-asks", "201"): (["GET /corrections/{correction_id}"], CREATED),
    ("post", "/manifests/{manifest_id}/paper-entries", "201"): (_PAPER_ENTRY, CREATED),
    ("get", "/paper-entries", "200"): (_PAPER_ENTRY, FIRST),
}


def operation_ref(method: str, path: str) -> str:
    """`#/paths/~1api~1v1~1manifests~1%7Bmanifest_id%7D/get`: a JSON pointer (RFC 6901) in a URI fragment."""
    pointer = (PREFIX + path).replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D")
    return f"#/paths/{pointer}/{method}"


def _name(method: str, path: str) -> str:
    words = [w for w in path.replace("{", "").replace("}", "").replace(".", "_").replace("-", "_").split("/") if w]
    return method.lower() + "".join(w.title().replace("_", "") for w in words)


class LinksPlugin(BasePlugin):
    def operation_helper(self, path=None, operations=None, **kwargs):
        if not path or not path.startswith(PREFIX) or not operations:
            return
        for method, operation in operations.items():
            for status, response in (operation.get("responses") or {}).items():
                found = LINKS.get((method, path[len(PREFIX):], str(status)))
                if found is None or not isinstance(response, dict):
                    continue
                targets, expression = found
                links = response.setdefault("links", {})
                for target in targets:
                    target_method, target_path = target.split(" ", 1)
                    parameter = target_path[target_path.index("{") + 1:target_path.index("}")]
                    links[_name(target_method, target_path)] = {
                        "operationRef": operation_ref(target_method.lower(), target_path),
                        "parameters": {parameter: expression}}
