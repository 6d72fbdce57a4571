"""Every operation's summary and the audiences it serves, as the OpenAPI document shows them (``app.http.contract``).

The summaries are written for the people who build on the API, not derived from function names; the audiences
become tags (after the operation's own area tag, which names the generated client's module):

* ``O`` — the owners' app (业主端): owners and those acting for them (co-owners, representatives, proxies);
* ``C`` — committees (业委会 / 物管会 / 筹备组 / 换届小组): the organisers of votes and their clerks;
* ``S`` — street offices (街道办事处 / 乡镇人民政府), residents' committees and auditors: supervision and checks;
* ``P`` — operators (平台运营方): places, staff, keys, delivery and health.

``tests/test_openapi.py`` fails when an operation has no line here, or a line names no operation.
"""

from __future__ import annotations

from typing import Final

AUDIENCES: Final = {
    "O": ("Owners' app (业主端)", "What an owner, or someone acting for one, does in the owners' app: sign in, verify, "
          "see my estates, votes and notices, vote, keep the receipt, read the result."),
    "C": ("Committees (业委会/物管会)", "What the organiser of a vote does: the owners' committee, the property "
          "management committee, the preparatory or changeover group, or the street office convening in its place."),
    "S": ("Street offices & auditors (街道办/审计)", "Supervision by the street office, the residents' committee's "
          "observation, and what auditors and independent verifiers read and check."),
    "P": ("Operators (运维)", "Running the platform: places, staff roles, API keys, notice delivery, health."),
}  # fmt: skip

#: ``"METHOD /path"`` → (summary, audiences).
OPERATIONS: Final[dict[str, tuple[str, str]]] = {
    # Places and staff
    "POST /api/v1/districts": ("Create a district", "P"),
    "GET /api/v1/districts": ("List districts", "P"),
    "POST /api/v1/street-offices": ("Create a street office", "P"),
    "GET /api/v1/street-offices": ("List street offices", "PS"),
    "POST /api/v1/communities": ("Create a community", "PS"),
    "GET /api/v1/communities": ("List communities", "PS"),
    "GET /api/v1/estates": ("List the estates I may see", "CSP"),
    "POST /api/v1/estates": ("Create an estate (物业管理区域)", "PS"),
    "GET /api/v1/estates/{estate_id}": ("Read an estate", "OCS"),
    "PATCH /api/v1/estates/{estate_id}": ("Correct an estate: name, community, developer", "PS"),
    "PATCH /api/v1/street-offices/{street_office_id}": ("Rename a street office or move it to another district", "PS"),
    "PATCH /api/v1/communities/{community_id}": ("Rename a community or move it to another street office", "PS"),
    "POST /api/v1/districts/{district_id}/merge": ("Merge a duplicate district into another", "P"),
    "POST /api/v1/street-offices/{street_office_id}/merge": ("Merge a duplicate street office into another", "P"),
    "POST /api/v1/communities/{community_id}/merge": ("Merge a duplicate community into another", "P"),
    "GET /api/v1/street-offices/{street_office_id}/overview": ("Jurisdiction overview for a street office", "S"),
    "POST /api/v1/api-keys": ("Issue a scoped API key", "P"),
    "POST /api/v1/staff": ("Give someone a scoped staff role", "PS"),
    "GET /api/v1/staff": ("List staff role grants", "PS"),
    "DELETE /api/v1/staff/grants/{grant_id}": ("Revoke a staff role", "PS"),
    "GET /api/v1/admin/outbox": ("List notice deliveries by status", "P"),
    "POST /api/v1/admin/outbox/{message_id}/retry": ("Retry a failed notice delivery", "P"),
    "GET /healthz": ("Liveness check", "P"),
    "GET /readyz": ("Readiness check (database reachable)", "P"),
    "GET /api/v1/dev/clock": ("Read the development clock", "P"),
    "POST /api/v1/dev/clock": ("Move the development clock", "P"),
    # Register and roll
    "POST /api/v1/estates/{estate_id}/register/imports": ("Import the property register", "C"),
    "GET /api/v1/register/template": ("Download the register template (XLSX or CSV, Chinese headers)", "CP"),
    "GET /api/v1/estates/{estate_id}/register/versions": ("List register versions", "CS"),
    "GET /api/v1/estates/{estate_id}/register/versions/{number}/units": ("Units of a register version", "CS"),
    "GET /api/v1/estates/{estate_id}/register/diff": ("Compare two register versions", "CS"),
    "GET /api/v1/estates/{estate_id}/roll": ("The estate's voter groups and totals", "CS"),
    "GET /api/v1/votes/{vote_id}/roll": ("Read a vote's frozen roll", "OCS"),
    "POST /api/v1/votes/{vote_id}/roll/objections": ("Object to an entry of the roll", "O"),
    "GET /api/v1/votes/{vote_id}/roll/objections": ("List roll objections", "OCS"),
    "GET /api/v1/roll-objections/{objection_id}": ("Read a roll objection", "OCS"),
    "POST /api/v1/roll-objections/{objection_id}/answer": ("Answer a roll objection", "C"),
    "POST /api/v1/votes/{vote_id}/roll/republish": ("Re-publish the roll from the latest register", "C"),
    # Sign-in and my account
    "POST /api/v1/auth/codes": ("Send a sign-in code by SMS", "OCS"),
    "POST /api/v1/auth/login": ("Sign in with the SMS code", "OCS"),
    "POST /api/v1/auth/refresh": ("Refresh the access token", "OCS"),
    "POST /api/v1/auth/logout": ("Sign out", "OCS"),
    "GET /api/v1/auth/jwks": ("Public keys of access tokens (JWK Set)", "P"),
    "GET /api/v1/me": ("My account", "OCS"),
    "GET /api/v1/me/verification": ("My real-name verification status", "O"),
    "POST /api/v1/me/verification": ("Verify against the property register", "O"),
    "POST /api/v1/me/verification/idp": ("Verify through an identity provider", "O"),
    "POST /api/v1/me/verification/manual": ("Apply for manual verification", "O"),
    "GET /api/v1/me/groups": ("Voter groups I may act for", "O"),
    "GET /api/v1/me/grants": ("My grants (as requester, grantee or owner)", "O"),
    "GET /api/v1/me/estates": ("My estates", "O"),
    "GET /api/v1/me/votes": ("My votes, and whether I have voted", "O"),
    "GET /api/v1/me/notices": ("My notices", "O"),
    "GET /api/v1/me/notices/unread-count": ("Number of my unread notices", "O"),
    "POST /api/v1/me/notices/{notice_id}/read": ("Mark a notice read", "O"),
    "POST /api/v1/me/devices": ("Register this phone for push notices", "O"),
    "GET /api/v1/me/devices": ("My registered devices", "O"),
    "DELETE /api/v1/me/devices/{device_id}": ("Forget a device", "O"),
    "GET /api/v1/me/deliveries": ("Notices sent to me personally, with delivery state", "O"),
    # Manual verification review
    "GET /api/v1/estates/{estate_id}/verification-requests": ("List manual verification requests", "CS"),
    "GET /api/v1/estates/{estate_id}/verification-requests/{request_id}": ("Read a manual verification request", "CS"),
    "GET /api/v1/estates/{estate_id}/verification-requests/{request_id}/document": (
        "Download a verification document",
        "CS",
    ),
    "POST /api/v1/estates/{estate_id}/verification-requests/{request_id}/approve": (
        "Approve a manual verification",
        "CS",
    ),
    "POST /api/v1/estates/{estate_id}/verification-requests/{request_id}/reject": (
        "Reject a manual verification",
        "CS",
    ),
    # Grants: acting for a voter group
    "POST /api/v1/estates/{estate_id}/grants": ("Request the right to act for a voter group", "O"),
    "GET /api/v1/estates/{estate_id}/grants": ("List the estate's grants for review", "CS"),
    "POST /api/v1/estates/{estate_id}/grants/{grant_id}/sign": ("Sign an authorisation as an owner", "O"),
    "POST /api/v1/estates/{estate_id}/grants/{grant_id}/approve": ("Approve a grant", "CS"),
    "POST /api/v1/estates/{estate_id}/grants/{grant_id}/reject": ("Reject a grant", "CS"),
    "POST /api/v1/estates/{estate_id}/grants/{grant_id}/revoke": ("Revoke a grant", "OC"),
    # Drafting and publishing votes
    "POST /api/v1/estates/{estate_id}/votes": ("Draft a vote", "C"),
    "GET /api/v1/estates/{estate_id}/votes": ("List the estate's votes", "OCS"),
    "GET /api/v1/votes/{vote_id}": ("Read a vote: notice, topics, attachments", "OCS"),
    "PATCH /api/v1/votes/{vote_id}": ("Change a draft vote", "C"),
    "POST /api/v1/votes/{vote_id}/topics": ("Add a topic to a draft", "C"),
    "PATCH /api/v1/votes/{vote_id}/topics/{topic_id}": ("Change a draft topic", "C"),
    "DELETE /api/v1/votes/{vote_id}/topics/{topic_id}": ("Remove a draft topic", "C"),
    "GET /api/v1/votes/{vote_id}/topics/{topic_id}/candidates": ("An election topic's candidates", "OCS"),
    "POST /api/v1/votes/{vote_id}/topics/{topic_id}/attestations": ("Record a candidate's attested condition", "C"),
    "POST /api/v1/votes/{vote_id}/topics/{topic_id}/candidate-list/acknowledgment": (
        "Record the Party organisation's receipt of the candidate list",
        "C",
    ),
    "POST /api/v1/votes/{vote_id}/topics/{topic_id}/attachments": ("Attach a document to a draft topic", "C"),
    "GET /api/v1/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}": ("Download an attachment", "OCS"),
    "DELETE /api/v1/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}": ("Remove an attachment", "C"),
    "POST /api/v1/votes/{vote_id}/publish": ("Publish the vote's notice", "C"),
    "POST /api/v1/votes/{vote_id}/errata": ("Publish an erratum to the notice", "C"),
    "POST /api/v1/votes/{vote_id}/cancel": ("Cancel a vote before voting opens", "C"),
    "POST /api/v1/votes/{vote_id}/postings": ("Record the notice's posting on site", "C"),
    "GET /api/v1/votes/{vote_id}/postings": ("List the notice's on-site postings", "OCS"),
    "GET /api/v1/votes/{vote_id}/postings/{posting_id}/photo": ("Download a posting's photo", "OCS"),
    "PUT /api/v1/votes/{vote_id}/mandate": ("Record the decision to convene", "C"),
    "GET /api/v1/votes/{vote_id}/mandate": ("Read the decision to convene", "CS"),
    "POST /api/v1/votes/{vote_id}/mandate/signatures": ("Sign the decision to convene (committee member)", "C"),
    # Voting and results
    "POST /api/v1/votes/{vote_id}/ballots": ("Cast a ballot", "O"),
    "GET /api/v1/votes/{vote_id}/my-ballot": ("My voter groups and ballots in a vote", "O"),
    "GET /api/v1/votes/{vote_id}/turnout": ("Turnout so far (never per-option counts)", "CS"),
    "GET /api/v1/votes/{vote_id}/participation/not-voted": ("Voter groups that have not voted yet", "CS"),
    "POST /api/v1/votes/{vote_id}/participation/reminders": ("Remind those who have not voted", "C"),
    "POST /api/v1/votes/{vote_id}/close": ("Close the vote and publish the result", "C"),
    "GET /api/v1/votes/{vote_id}/result": ("Read the result", "OCS"),
    "GET /api/v1/votes/{vote_id}/result/units": ("Page through the units that took part in the result", "OCS"),
    "GET /api/v1/votes/{vote_id}/ballots": ("Per-unit ballots after the close", "CS"),
    "GET /api/v1/votes/{vote_id}/signed-result": ("The signed result", "OCS"),
    "GET /api/v1/votes/{vote_id}/export": ("Auditor's bundle for offline verification", "S"),
    "GET /api/v1/votes/{vote_id}/minutes": ("Minutes of the assembly", "CS"),
    "GET /api/v1/votes/{vote_id}/announcement": ("Result announcement for posting on site", "C"),
    "GET /api/v1/votes/{vote_id}/filing-package": ("Filing package for the street office", "CS"),
    # Paper ballots and counting
    "POST /api/v1/votes/{vote_id}/paper-scans": ("Upload a paper ballot's scan", "C"),
    "POST /api/v1/votes/{vote_id}/paper-receptions": ("Record a paper ballot's arrival", "C"),
    "GET /api/v1/votes/{vote_id}/counting-session": ("Read the counting session", "CS"),
    "POST /api/v1/votes/{vote_id}/counting-session": ("Open the counting session", "C"),
    "POST /api/v1/votes/{vote_id}/counting-session/ballots": ("Enter a paper ballot at the counting", "C"),
    "POST /api/v1/votes/{vote_id}/counting-session/confirmations": ("Confirm the count (witness)", "OCS"),
    # Audit log and receipts
    "GET /api/v1/log/checkpoint": ("Latest signed checkpoint of the audit log", "OS"),
    "GET /api/v1/log/checkpoints/{size}": ("Signed checkpoint at a tree size", "S"),
    "GET /api/v1/log/entries/{entry_id}/inclusion": ("Inclusion proof of a log entry", "OS"),
    "GET /api/v1/log/consistency": ("Consistency proof between two tree sizes", "S"),
    "GET /api/v1/log/entries": ("Read audit log entries", "S"),
    "GET /api/v1/log/keys": ("Audit log and witness keys", "S"),
    "POST /api/v1/log/witness/cosign": ("Submit a witness cosignature", "S"),
    "GET /api/v1/audit/entries": ("Audit log entries with restricted payloads", "SP"),
    "GET /api/v1/receipts/{entry_id}": ("My ballot receipt", "O"),
    "GET /api/v1/receipts/{entry_id}/counted": ("Proof that my ballot was counted", "O"),
    # Petitions
    "POST /api/v1/estates/{estate_id}/petitions": ("Open a petition", "O"),
    "GET /api/v1/estates/{estate_id}/petitions": ("List the estate's petitions", "OCS"),
    "GET /api/v1/petitions/{petition_id}": ("Read a petition and its count", "OCS"),
    "POST /api/v1/petitions/{petition_id}/signatures": ("Sign a petition", "O"),
    "POST /api/v1/petitions/{petition_id}/submit": ("Hand a petition over", "O"),
    "POST /api/v1/petitions/{petition_id}/escalate": ("Ask the street office to order a meeting", "O"),
    # Notices and archive
    "GET /api/v1/estates/{estate_id}/notices": ("List the estate's notices", "OCS"),
    "GET /api/v1/estates/{estate_id}/archive": ("The estate's archive of results and notices", "OCS"),
    "GET /api/v1/estates/{estate_id}/archive/results/{vote_id}": ("Download a published result", "OCS"),
    "GET /api/v1/estates/{estate_id}/archive/notices/{notice_id}": ("Download a published notice", "OCS"),
    "GET /api/v1/estates/{estate_id}/reminders": ("Reminders due for the estate", "CS"),
    "PATCH /api/v1/estates/{estate_id}/reminder-dates": ("Set the dates reminders count from", "C"),
    # Supervision
    "POST /api/v1/votes/{vote_id}/suspend": ("Suspend a vote", "S"),
    "POST /api/v1/votes/{vote_id}/resume": ("Resume a suspended vote", "S"),
    "POST /api/v1/votes/{vote_id}/terminate": ("Terminate a suspended vote", "S"),
    "POST /api/v1/votes/{vote_id}/correction-orders": ("Order a correction (责令限期改正)", "S"),
    "POST /api/v1/votes/{vote_id}/correction-orders/{order_id}/follow-up": ("Conclude a correction order", "S"),
    "POST /api/v1/votes/{vote_id}/revoke": ("Revoke a topic's decision", "S"),
    "POST /api/v1/votes/{vote_id}/court-revocation": ("Record a court's revocation of a decision", "SP"),
    "GET /api/v1/votes/{vote_id}/supervision": ("Supervision acts on a vote", "OCS"),
    # Committees
    "GET /api/v1/estates/{estate_id}/committees": ("List the estate's committees", "OCS"),
    "POST /api/v1/estates/{estate_id}/committees": ("Record a committee term", "CS"),
    "GET /api/v1/committees/{committee_id}": ("Read a committee", "OCS"),
    "POST /api/v1/committees/{committee_id}/filing": ("Record a committee's filing (备案)", "S"),
    "POST /api/v1/committees/{committee_id}/members": ("Seat a committee member", "CS"),
    "POST /api/v1/committee-members/{member_id}/end": ("End a membership", "CS"),
    "POST /api/v1/committee-members/{member_id}/fill-vacancy": ("Fill a vacancy with an alternate", "CS"),
    "GET /api/v1/estates/{estate_id}/convening-triggers": ("Grounds for the street office to convene", "CS"),
    "POST /api/v1/estates/{estate_id}/convening-triggers": ("Record a ground to convene", "S"),
    "GET /api/v1/committees/{committee_id}/fee-disclosures": ("Members' fee payment publications", "OCS"),
    "POST /api/v1/committees/{committee_id}/fee-disclosures": ("Publish the members' fee payments", "C"),
    "GET /api/v1/committees/{committee_id}/reports": ("The committee's yearly reports", "OCS"),
    "POST /api/v1/committees/{committee_id}/reports": ("Publish a yearly report", "C"),
    "GET /api/v1/committee-reports/{report_id}/documents/{document}": ("Download a yearly report document", "OCS"),
    "GET /api/v1/committees/{committee_id}/evaluations": ("The street office's evaluations of a committee", "OCS"),
    "POST /api/v1/committees/{committee_id}/evaluations": ("Record a yearly evaluation", "S"),
    # Rules of procedure
    "POST /api/v1/estates/{estate_id}/procedure-rules": ("Draft a rules-of-procedure version", "C"),
    "GET /api/v1/estates/{estate_id}/procedure-rules": ("List rules-of-procedure versions", "OCS"),
    "GET /api/v1/estates/{estate_id}/procedure-rules/in-force": ("Rules of procedure in force", "OCS"),
    # First assembly
    "POST /api/v1/estates/{estate_id}/preparatory-groups": ("Record the preparatory group (筹备组)", "S"),
    "GET /api/v1/estates/{estate_id}/preparatory-groups": ("List preparatory groups", "OCS"),
    "GET /api/v1/estates/{estate_id}/first-assembly": ("The first assembly, step by step", "OCS"),
    "POST /api/v1/votes/{vote_id}/publicity-objections": ("Object to a publicised first-assembly item", "O"),
    "GET /api/v1/votes/{vote_id}/publicity-objections": ("List publicity objections", "OCS"),
    "POST /api/v1/publicity-objections/{objection_id}/answer": ("Answer a publicity objection", "C"),
}
