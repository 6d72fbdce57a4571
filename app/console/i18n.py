"""The console's words, zh-CN first with English (``?lang=en`` or the language switch sets a cookie)."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("业主共同决定电子表决 管理台", "evote console"),
    "skip": ("跳到正文", "Skip to content"),
    "switch": ("English", "中文"),
    "switch_lang": ("en", "zh"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "api_key": ("工作人员密钥", "Staff API key"),
    "api_key_help": (
        "请输入为您签发的工作人员密钥（evk_ 开头），与接口使用的凭据相同。",
        "The staff API key issued to you (starts with evk_), the same credential the API takes.",
    ),
    "bad_key": ("密钥无效、已停用或已过期。", "The key is invalid, disabled or expired."),
    "csrf": ("表单已过期，请刷新页面后重试。", "The form has expired; reload the page and try again."),
    "home": ("首页", "Home"),
    "signed_in_as": ("当前身份", "Signed in as"),
    "roles": ("角色", "Roles"),
    "votes": ("表决", "Votes"),
    "jurisdiction_votes": ("辖区表决", "Votes of the jurisdiction"),
    "estate_votes": ("本小区表决", "Votes of the estate"),
    "receipt_check": ("核验投票回执", "Check a ballot receipt"),
    "estate": ("小区", "Estate"),
    "status": ("状态", "Status"),
    "all": ("全部", "All"),
    "from": ("起始日期", "From"),
    "to": ("截止日期", "To"),
    "filter": ("筛选", "Filter"),
    "title": ("名称", "Title"),
    "window": ("表决期间", "Voting window"),
    "turnout": ("参与情况", "Turnout"),
    "heads": ("人数", "Heads"),
    "area": ("专有部分面积", "Area"),
    "no_votes": ("没有符合条件的表决。", "No vote matches."),
    "page": ("第 {n} 页", "Page {n}"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "open": ("查看", "Open"),
    "two_thirds": ("三分之二参与线", "two-thirds participation line"),
    "turnout_chart": ("参与人数与面积随时间变化（占总数百分比）", "Turnout over time (per cent of the total)"),
    "chart_empty": ("尚无投票。", "No ballot yet."),
    "notice": ("表决公告", "Notice"),
    "notices": ("公告", "Notices"),
    "roll": ("表决名册", "Roll"),
    "roll_size": ("表决单元 {heads} 个，专有部分面积 {area} 平方米", "{heads} voter groups, {area} m² of area"),
    "roll_hash": ("名册哈希", "Roll hash"),
    "roll_open": ("查阅名册（每次查阅均记录）", "Read the roll (each read is logged)"),
    "filing_package": ("下载备案材料包", "Download the filing package"),
    "owners": ("业主（已遮蔽）", "Owners (masked)"),
    "notice_hash": ("公告哈希", "Notice hash"),
    "postings": ("现场张贴记录", "On-site postings"),
    "no_postings": ("尚无张贴记录。", "No posting recorded."),
    "posted_at": ("张贴时间", "Posted at"),
    "place": ("张贴地点", "Place"),
    "photo": ("照片", "Photo"),
    "supervision": ("监督记录", "Supervision record"),
    "no_actions": ("尚无监督行为。", "No supervision act."),
    "acts": ("监督行为", "Supervision acts"),
    "reason": ("理由（事实与违反的规定）", "Reason (facts and the rule breached)"),
    "document_ref": ("决定文书编号", "Decision document number"),
    "suspend": ("暂停表决", "Suspend the vote"),
    "resume": ("恢复表决并延长", "Resume with an extension"),
    "new_end": ("新的截止时间（北京时间）", "New end (Beijing time)"),
    "terminate": ("终止表决", "Terminate the vote"),
    "correction": ("责令限期改正", "Order a correction"),
    "deadline": ("改正期限（北京时间）", "Deadline (Beijing time)"),
    "revoke": ("撤销决定", "Revoke a decision"),
    "topic": ("议题", "Topic"),
    "done": ("已完成：{what}", "Done: {what}"),
    "downloads": ("查阅与下载", "Inspection downloads"),
    "download_notice": ("下载公告", "Download notice"),
    "download_result": ("下载表决结果", "Download the result"),
    "refused": ("无权访问", "Access refused"),
    "refused_text": (
        "您的角色无权查看或操作此页面，或该对象不存在。",
        "Your role may not see or act on this page, or it does not exist.",
    ),
    "error": ("未能完成", "Could not be done"),
    "back": ("返回", "Back"),
    "ends_at": ("截止时间", "Ends at"),
    "acted_at": ("时间", "When"),
    "kind": ("类别", "Kind"),
    "alerts": ("提醒", "Alerts"),
    "overdue_orders": ("逾期未改正的责令改正", "Correction orders past their deadline"),
    "overdue_meetings": ("12 个月内未召开业主大会的小区", "Estates without a meeting in 12 months"),
    "pending_reviews": ("待审核的身份材料", "Identity reviews pending"),
    "late_results": ("未按期公布的表决结果", "Results not published in time"),
    "no_alerts": ("暂无提醒。", "No alert."),
    "watched": (
        "可疑的实名核验失败与表决期间的名册变更",
        "Suspicious verification failures and register changes during votes",
    ),
    "dead_letters": ("投递失败的通知（已放弃重试）", "Notices whose delivery was given up"),
    "unanswered": ("未答复的名册异议", "Roll objections not answered"),
    "register_upload": ("上传房屋登记册", "Upload the property register"),
    "register_file": ("登记册文件（CSV 或 JSON）", "Register file (CSV or JSON)"),
    "register_help": (
        "整个文件逐行检查；有任何错误则全部列出，且不导入任何数据。",
        "The whole file is checked; every error is listed and nothing is imported if there is one.",
    ),
    "upload": ("上传", "Upload"),
    "register_ok": (
        "已导入登记册第 {number} 版：{heads} 个表决单元，专有部分面积 {area} 平方米。",
        "Register version {number} imported: {heads} voter groups, {area} m² of area.",
    ),
    "register_same": ("（与最新版本相同，未作改动。）", "(Identical to the latest version: nothing changed.)"),
    "register_errors": ("登记册错误一览", "Errors in the register file"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "problem": ("问题", "Problem"),
    "organiser": ("召集人事务", "Organiser's work"),
    "notice_preview": ("公告预览", "Notice preview"),
    "notice_preview_help": (
        "以下是业主将收到的公告全文。发布后表决内容冻结，名册同时固定。",
        "This is the notice exactly as owners will receive it. Publishing freezes the vote and its roll.",
    ),
    "publish_warning": (
        "确认发布后不可修改，只能勘误或撤回。",
        "Once published it cannot be edited, only corrected or cancelled.",
    ),
    "publish": ("发布公告", "Publish the notice"),
    "participation": ("参与情况与书面表决票", "Participation and paper ballots"),
    "participation_totals": (
        "表决单元 {groups} 个，已投票 {voted} 个（网上 {online}，书面 {paper}），未投票 {missing} 个。",
        "{groups} voter groups; {voted} voted ({online} online, {paper} on paper); {missing} have not voted.",
    ),
    "paper_reception": ("登记收到的书面表决票", "Record a paper ballot received"),
    "paper_help": (
        "收到时间以服务器时间为准；同一表决单元较早的选票有效，较晚的作为重复票保存。",
        "The reception time is the server's; a group's earliest ballot counts, a later one is kept as a duplicate.",
    ),
    "voter_group": ("表决单元", "Voter group"),
    "paper_form": ("形式", "Form"),
    "form_SHEET": ("签名表决票", "Signed ballot sheet"),
    "form_SEALED_ENVELOPE": ("密封信封", "Sealed envelope"),
    "paper_scan": ("扫描件", "Scan"),
    "paper_record": ("登记收票", "Record the reception"),
    "receptions": ("已收书面表决票", "Paper ballots received"),
    "received_at": ("收到时间", "Received at"),
    "reception_RECEIVED": ("已收，待计票", "Received, to be counted"),
    "reception_COUNTED": ("已计票", "Counted"),
    "reception_DUPLICATE": ("重复票（不计）", "Duplicate (not counted)"),
    "non_voters": ("尚未投票的表决单元", "Voter groups that have not voted"),
    "remind": ("提醒未投票业主", "Remind those who have not voted"),
    "units": ("房屋", "Units"),
    "done_paper": ("已登记书面表决票", "paper ballot recorded"),
    "done_reminder": ("已发送提醒", "reminder sent"),
    "announcement": ("表决结果公告（打印）", "Result announcement (print)"),
    "counting": ("公开计票（书面表决票）", "Public counting of paper ballots"),
    "counting_help": (
        "表决结束后开启，须有至少一名业主及居委会或街道办事处作为监票人；监票人通过本人账户确认，全部确认后自动计票并公布结果。",
        "Opened after the close with at least one owner and the residents' committee or the street office as "
        "witnesses; each confirms through their own account, and the last confirmation decides and publishes the vote.",
    ),
    "counting_open": ("开启计票", "Open the counting"),
    "witness": ("监票人", "Witness"),
    "witness_account": ("监票人账户编号", "Witness's account id"),
    "witness_role": ("身份", "Capacity"),
    "role_OWNER": ("业主", "Owner"),
    "role_RESIDENTS_COMMITTEE": ("居民委员会", "Residents' committee"),
    "role_STREET_OFFICE": ("街道办事处", "Street office"),
    "confirmed": ("已确认", "Confirmed"),
    "not_confirmed": ("未确认", "Not yet confirmed"),
    "enter_ballot": ("录入该票", "Enter this ballot"),
    "choice_AGREE": ("同意", "Agree"),
    "choice_OPPOSE": ("反对", "Oppose"),
    "choice_ABSTAIN": ("弃权", "Abstain"),
    "choice_SPOILED": ("无法辨认（废票）", "Unreadable (spoiled)"),
    "other_kind": ("该议题请通过接口录入。", "Enter this topic through the API."),
    "signed_off": ("计票已由全体监票人确认。", "The count was confirmed by every witness."),
    "done_opened": ("已开启计票", "counting opened"),
    "done_entered": ("已录入", "ballot entered"),
    "print_help": ("用浏览器打印（A4）即可张贴。", "Print from the browser (A4) to post on site."),
    "qr_alt": ("表决结果网址二维码：", "QR code of the result's address:"),
    "qr_caption": ("扫码查看表决结果及其证据", "Scan to read the result and its evidence"),
    # receipt page
    "receipt_title": ("核验我的投票回执", "Check my ballot receipt"),
    "receipt_intro": (
        "将表决后获得的回执（JSON 或文本格式）粘贴到下面。核验完全在您的浏览器中进行："
        "本页脚本用 SHA-256 重算默克尔包含证明，并用从本站公布的日志公钥核验检查点的 Ed25519 签名，"
        "不依赖服务器的判断。",
        "Paste the receipt you got after voting (JSON or text form). The check runs entirely in your browser: "
        "this page's script recomputes the Merkle inclusion proof with SHA-256 and checks the checkpoint's Ed25519 "
        "signature with the log key this site publishes; it does not rely on the server's verdict.",
    ),
    "receipt_label": ("投票回执", "Ballot receipt"),
    "counted_label": ("计票证明（表决结束后获取，可选）", "Counted proof (after the close, optional)"),
    "check": ("核验", "Check"),
    "log_key": ("日志公钥", "Log key"),
}


def translator(language: str) -> Callable[..., str]:
    index = 1 if language == "en" else 0

    def t(key: str, **values: object) -> str:
        text = TEXT[key][index]
        return text.format(**values) if values else text

    return t


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "DRAFT": ("草稿", "Draft"),
    "PUBLISHED": ("已公告", "Published"),
    "OPEN": ("投票中", "Open"),
    "CLOSED": ("已截止", "Closed"),
    "DECIDED": ("已计票", "Decided"),
    "RESULT_PUBLISHED": ("结果已公布", "Result published"),
    "CANCELLED": ("已撤回", "Cancelled"),
    "SUSPENDED": ("已暂停", "Suspended"),
    "REVOKED_BY_STREET_OFFICE": ("街道已撤销", "Revoked by the street office"),
    "REVOKED_BY_COURT": ("法院已撤销", "Revoked by a court"),
    "TERMINATED": ("已终止", "Terminated"),
    # supervision acts (app.supervision.models.SupervisionKind)
    "SUSPENSION": ("暂停", "Suspension"),
    "RESUMPTION": ("恢复并延长", "Resumption"),
    "CORRECTION_ORDER": ("责令限期改正", "Correction order"),
    "CORRECTION_FOLLOW_UP": ("改正跟进", "Correction follow-up"),
    "REVOCATION": ("撤销决定", "Revocation"),
    "COURT_REVOCATION": ("法院撤销", "Court revocation"),
    "TERMINATION": ("终止", "Termination"),
}


def status_label(status: str, language: str) -> str:
    pair = STATUS_LABELS.get(status)
    return status if pair is None else pair[1 if language == "en" else 0]
