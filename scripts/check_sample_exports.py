#!/usr/bin/env python3
"""Independent check of the sample CRM exports (standard library only).

Rebuilds the canonical tables from samples/2026-10-bitrix24/ and samples/2026-10-amocrm/ the
way a mapping must read them, written from the CRMs' documented meaning of each column and the
company facts listed below (not from the generator's code), and shows that they equal the
canonical sample row for row (ids translated):

    python3 scripts/check_sample_exports.py [SAMPLES_DIR [PERIOD]]

(a generator output folder and its --period; default samples 2026-10).

Bitrix24: status from STAGE_SEMANTIC_ID; stage = the furthest in-progress stage of the deal's
history by crm_status SORT in the deal's pipeline; closed_on only when CLOSED=Y; new_client =
not IS_RETURN_CUSTOMER; lost_reason through the custom field's list ids; calls from telephony
with CALL_FAILED_CODE 200 only (CALL_TYPE 1 and 4 outgoing); emails are activities of TYPE_ID
4, meetings of TYPE_ID 1 (COMPLETED Y = held). amoCRM: status 142 won, 143 lost; stage = the
furthest status the lead was ever in; Unix times are read in UTC+05:00; calls are call notes
with call_status 4. Exits 1 on the first difference of each table, with the differing rows.
"""

import csv
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

SAMPLES = Path(sys.argv[1] if len(sys.argv) > 1 else "samples")
PERIOD = sys.argv[2] if len(sys.argv) > 2 else "2026-10"
CANON = SAMPLES / f"{PERIOD}-csv"
BITRIX = SAMPLES / f"{PERIOD}-bitrix24"
AMO = SAMPLES / f"{PERIOD}-amocrm"
AMO_CANON = SAMPLES / f"{PERIOD}-amocrm-canonical"

# The company-specific facts a mapping needs.
BITRIX_STAGES = {
    "NEW": "lead", "PREPARATION": "qualified", "PREPAYMENT_INVOICE": "negotiation",
    "EXECUTING": "proposal", "FINAL_INVOICE": "proposal",
    "C2:NEW": "lead", "C2:UC_QUAL01": "qualified", "C2:UC_NEGO02": "negotiation",
    "C2:UC_OFFER3": "proposal",
}
BITRIX_LOSS = {"45": "price", "46": "competitor", "47": "no_need", "48": "timing", "49": "silence"}
BITRIX_UF_LOSS = "UF_CRM_1712345678"
AMO_STAGES = {"61000001": "lead", "61000002": "qualified", "61000003": "negotiation",
              "61000004": "proposal"}
AMO_ORDER = ["61000001", "61000002", "61000003", "61000004"]
TZ = dt.timezone(dt.timedelta(hours=5))

failures = 0


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def money(text):
    """Canonical money text: two decimals."""
    return f"{Decimal(text):.2f}"


def same(name, got, want):
    global failures
    if got == want:
        print(f"ok   {name}: {len(got)} rows equal")
        return
    failures += 1
    print(f"FAIL {name}: {len(got)} rows rebuilt, {len(want)} canonical")
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print(f"  first difference at row {i + 1}:\n    rebuilt   {g}\n    canonical {w}")
            break


def client(number, width=5):
    return f"C{int(number):0{width}d}" if number else ""


def canon_without_id(path, keep=None):
    """Canonical rows without their id column, optionally only some employees."""
    out = []
    for r in read(path):
        if keep is not None and r["employee_id"] not in keep:
            continue
        out.append(list(r.values())[1:])
    return out


def bitrix():
    print("== Bitrix24")
    hr = read(BITRIX / "hr.csv")
    emp_of = {r["crm_user_id"]: r["employee_id"] for r in hr}
    employees = rows(CANON / "employees.csv")
    same("employees (hr.csv without crm_user_id)", [r[:-1] for r in rows(BITRIX / "hr.csv")],
         employees)
    for name in ["plans.csv", "nps.csv"]:
        same(name, rows(BITRIX / name), rows(CANON / name))

    users = read(BITRIX / "user.csv")
    roster = {r["employee_id"]: r for r in hr}
    for u in users:
        e = emp_of.get(u["ID"])
        if e is None:
            continue
        full = f'{u["NAME"]} {u["LAST_NAME"]}'.strip()
        assert full == roster[e]["name"], (u, roster[e])
        assert (u["ACTIVE"] == "N") == bool(roster[e]["left_on"]), u

    # Stage order per pipeline from crm_status.
    sort = {}
    for s in read(BITRIX / "crm_status.csv"):
        sort[(s["ENTITY_ID"], s["STATUS_ID"])] = int(s["SORT"])

    def entity(category):
        return "DEAL_STAGE" if category == "0" else f"DEAL_STAGE_{category}"

    history = {}
    last_time = ""
    for h in read(BITRIX / "crm_deal_stage_history.csv"):
        assert h["CREATED_TIME"] >= last_time, ("history out of time order", h)
        last_time = h["CREATED_TIME"]
        history.setdefault(h["OWNER_ID"], []).append(h)
    uf = {r["DEAL_ID"]: r for r in read(BITRIX / "crm_deal_uf.csv")}
    deals, dropped = [], 0
    traps = {"expected CLOSEDATE": 0, "moved back": 0, "current != furthest": 0}
    for d in read(BITRIX / "crm_deal.csv"):
        e = emp_of.get(d["ASSIGNED_BY_ID"])
        if e is None:
            dropped += 1
            continue
        ent = entity(d["CATEGORY_ID"])
        hist = history[d["ID"]]
        assert hist[0]["TYPE_ID"] == "1" and hist[0]["CREATED_TIME"] == d["DATE_CREATE"], d
        assert hist[-1]["STAGE_ID"] == d["STAGE_ID"], (d, hist[-1])
        assert all(h["CATEGORY_ID"] == d["CATEGORY_ID"] for h in hist), d
        progress = [h["STAGE_ID"] for h in hist if h["STAGE_SEMANTIC_ID"] == "P"]
        furthest = max(progress, key=lambda s: sort[(ent, s)])
        status = {"P": "open", "S": "won", "F": "lost"}[d["STAGE_SEMANTIC_ID"]]
        if status == "open":
            # An expected close date, after the export (which ends in the next month).
            assert d["CLOSEDATE"] > f"{PERIOD}-31", d
            traps["expected CLOSEDATE"] += d["CLOSEDATE"] != ""
            if d["STAGE_ID"] != furthest:
                traps["current != furthest"] += 1
                traps["moved back"] += sort[(ent, d["STAGE_ID"])] < sort[(ent, furthest)]
        closed = d["CLOSEDATE"] if d["CLOSED"] == "Y" else ""
        assert (d["CLOSED"] == "Y") == (status != "open"), d
        loss = BITRIX_LOSS.get(uf[d["ID"]][BITRIX_UF_LOSS], "")
        deals.append([
            f'D{int(d["ID"]):05d}', e, d["DATE_CREATE"][:10], closed, status,
            BITRIX_STAGES[furthest], money(d["OPPORTUNITY"]),
            "no" if d["IS_RETURN_CUSTOMER"] == "Y" else "yes", loss, client(d["COMPANY_ID"]),
        ])
    same("deals", deals, rows(CANON / "deals.csv")[1:])
    print(f"     deals dropped (not on the HR sheet): {dropped}; open-deal traps: {traps}")

    calls, failed = [], {}
    for c in read(BITRIX / "voximplant_statistic.csv"):
        if c["CALL_FAILED_CODE"] != "200":
            failed[c["CALL_FAILED_CODE"]] = failed.get(c["CALL_FAILED_CODE"], 0) + 1
            continue
        t = dt.datetime.fromisoformat(c["CALL_START_DATE"]).astimezone(TZ)
        calls.append([
            emp_of[c["PORTAL_USER_ID"]], t.strftime("%Y-%m-%d %H:%M:%S"),
            "outgoing" if c["CALL_TYPE"] in ("1", "4") else "incoming", c["CALL_DURATION"],
            client(c["CRM_ENTITY_ID"]) if c["CRM_ENTITY_TYPE"] == "COMPANY" else "",
        ])
    same("calls (telephony, code 200)", calls, canon_without_id(CANON / "calls.csv"))
    print(f"     failed calls dropped by code: {dict(sorted(failed.items()))}")

    activity = read(BITRIX / "crm_activity.csv")
    kinds = {}
    for a in activity:
        kinds[a["TYPE_ID"]] = kinds.get(a["TYPE_ID"], 0) + 1

    def owner_client(a):
        return client(a["OWNER_ID"]) if a["OWNER_TYPE_ID"] == "4" else ""

    emails = [[emp_of[a["RESPONSIBLE_ID"]], a["START_TIME"],
               "outgoing" if a["DIRECTION"] == "2" else "incoming", owner_client(a)]
              for a in activity if a["TYPE_ID"] == "4"]
    same("emails (activities TYPE_ID 4)", emails, canon_without_id(CANON / "emails.csv"))
    meetings = [[emp_of[a["RESPONSIBLE_ID"]], a["START_TIME"],
                 "held" if a["COMPLETED"] == "Y" else "not held", owner_client(a)]
                for a in activity if a["TYPE_ID"] == "1"]
    want = [[e, t, "held" if s == "held" else "not held", c]
            for e, t, s, c in canon_without_id(CANON / "meetings.csv")]
    same("meetings (activities TYPE_ID 1; held or not)", meetings, want)
    print(f"     activities by TYPE_ID: {dict(sorted(kinds.items()))}")

    clients = []
    for c in read(BITRIX / "crm_company.csv"):
        uid = c["ASSIGNED_BY"].split("]")[0].lstrip("[")
        churned = ""
        if c["UF_CRM_CHURNED_ON"]:
            churned = dt.datetime.strptime(c["UF_CRM_CHURNED_ON"], "%d.%m.%Y").strftime("%Y-%m-%d")
        clients.append([client(c["ID"]), emp_of[uid], c["DATE_CREATE"][:10], churned])
    same("clients (crm_company)", clients, rows(CANON / "clients.csv")[1:])


def amo():
    print("== amoCRM")
    hr = read(AMO / "hr.csv")
    emp_of = {r["crm_user_id"]: r["employee_id"] for r in hr}
    people = set(emp_of.values())
    same("employees (hr.csv without crm_user_id)", [r[:-1] for r in rows(AMO / "hr.csv")],
         rows(AMO_CANON / "employees.csv"))
    same("plans.csv", rows(AMO / "plans.csv"), rows(AMO_CANON / "plans.csv"))
    for name in ["employees.csv", "plans.csv", "deals.csv", "calls.csv"]:
        full = rows(CANON / name)
        col = 0 if name in ("employees.csv", "plans.csv") else 1
        same(f"canonical {name} = samples/2026-10-csv filtered to {sorted(people)}",
             rows(AMO_CANON / name), [full[0]] + [r for r in full[1:] if r[col] in people])

    def local(ts):
        return dt.datetime.fromtimestamp(int(ts), TZ)

    reasons = {r["id"]: r["name"] for r in read(AMO / "loss_reasons.csv")}
    ever = {}
    other = {}
    for ev in read(AMO / "events.csv"):
        if ev["type"] != "lead_status_changed":
            other[ev["type"]] = other.get(ev["type"], 0) + 1
            continue
        ever.setdefault(ev["entity_id"], set()).update([ev["value_before"], ev["value_after"]])
    deals, dropped = [], 0
    for d in read(AMO / "leads.csv"):
        e = emp_of.get(d["responsible_user_id"])
        if e is None:
            dropped += 1
            continue
        status = {"142": "won", "143": "lost"}.get(d["status_id"], "open")
        assert (status == "open") == (d["closed_at"] == ""), d
        statuses = ever.get(d["id"], set()) | {d["status_id"]}
        furthest = max((s for s in statuses if s in AMO_STAGES), key=AMO_ORDER.index)
        closed = local(d["closed_at"]).strftime("%Y-%m-%d") if d["closed_at"] else ""
        deals.append([
            f'D{int(d["id"]) - 24_000_000:05d}', e, local(d["created_at"]).strftime("%Y-%m-%d"),
            closed, status, AMO_STAGES[furthest], money(d["price"]),
            reasons.get(d["loss_reason_id"], ""),
        ])
    utc = dt.timezone.utc
    shifted = [d for d in read(AMO / "leads.csv") if d["status_id"] == "142"
               and local(d["closed_at"]).strftime("%Y-%m")
               != dt.datetime.fromtimestamp(int(d["closed_at"]), utc).strftime("%Y-%m")]
    print(f"     won leads whose close month differs when read in UTC: {len(shifted)}")
    want = [r[:7] + [r[8]] for r in rows(AMO_CANON / "deals.csv")[1:]]
    same("deals (leads; no new_client / client_id in amo)", deals, want)
    print(f"     leads dropped (not on the HR sheet): {dropped}; other events: {other}")

    calls, skipped = [], {}
    for c in read(AMO / "calls.csv"):
        if c["call_status"] != "4":
            skipped[c["call_status"]] = skipped.get(c["call_status"], 0) + 1
            continue
        t = dt.datetime.strptime(c["created_at"], "%d.%m.%Y %H:%M:%S")
        calls.append([
            emp_of[c["created_by"]], t.strftime("%Y-%m-%d %H:%M:%S"),
            "outgoing" if c["note_type"] == "call_out" else "incoming", c["duration"],
            client(c["entity_id"]) if c["entity_type"] == "company" else "",
        ])
    same("calls (call_status 4)", calls, canon_without_id(AMO_CANON / "calls.csv"))
    print(f"     call notes dropped by call_status: {dict(sorted(skipped.items()))}")


bitrix()
amo()
sys.exit(1 if failures else 0)
