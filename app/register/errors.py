from app.errors import DomainError


class RegisterInvalid(DomainError):
    code = "register.invalid"
    status = 422
    title = "Register file rejected"
    message_zh = "登记册文件有 {count} 处错误，未导入任何数据。"
    message_en = "The register file has {count} error(s); nothing was imported."


class RegisterFormatUnknown(DomainError):
    code = "register.format_unknown"
    status = 415
    title = "Unsupported register format"
    message_zh = "无法识别文件格式，请上传 XLSX、CSV 或 JSON 文件。"
    message_en = "Unknown file format; upload an .xlsx, .csv or .json file."


class RegisterVersionNotFound(DomainError):
    code = "register.version_not_found"
    status = 404
    title = "Register version not found"
    message_zh = "该小区没有第 {number} 版登记册。"
    message_en = "The estate has no register version {number}."


class RegisterEmpty(DomainError):
    code = "register.no_version"
    status = 404
    title = "No register imported"
    message_zh = "该小区尚未导入登记册。"
    message_en = "No register has been imported for this estate yet."
