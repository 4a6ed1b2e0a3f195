"""Schemas of the administration API (``/api/v1/admin``): what it reads and what it answers.
The OpenAPI document is generated from them (``admin_openapi.py``)."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from ..models import ROLES

ORG_ID = r"^org-[1-9][0-9]{0,17}$"
MAX_PER_PAGE = 200


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class _Body(Schema):
    class Meta:
        unknown = RAISE  # a misspelt field in a change is an error, not silently nothing


class UserListArgsSchema(_Args):
    q = fields.String(load_default=None, validate=validate.Length(max=100),
                      metadata={"description": "姓名或邮箱的一部分 / part of the name or the e-mail"})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES), metadata={"description": "角色 / role"})
    institution = fields.String(load_default=None, validate=validate.Regexp(ORG_ID),
                                metadata={"description": "单位编号 / institution, org-N"})
    active = fields.Boolean(load_default=None, metadata={"description": "true: 启用的 / enabled; false: 停用的 / disabled"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class UserCreateSchema(_Body):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(ORG_ID),
                                metadata={"description": "发布者必填：单位编号 / required for a publisher: org-N"})
    organisation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class UserChangeSchema(_Body):
    name = fields.String(validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.OneOf(ROLES))
    institution = fields.String(allow_none=True, validate=validate.Regexp(ORG_ID),
                                metadata={"description": "单位编号，仅发布者 / org-N, publishers only"})
    active = fields.Boolean(metadata={"description": "false 停用：立即退出所有登录 / false disables: every session ends"})


class AdminUserSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution = fields.String(required=True, allow_none=True, metadata={"description": "org-N"})
    active = fields.Boolean(required=True)
    password_set = fields.Boolean(required=True, metadata={"description": "是否已设置密码 / whether a password was chosen"})
    created_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    last_login_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})


class MailOutcomeSchema(Schema):
    sent = fields.Boolean(required=True, metadata={"description": "设置密码的邮件是否已发出 / whether the set-password mail went"})
    mail_configured = fields.Boolean(required=True, metadata={"description": "是否配置了邮件服务器 / whether a mail server is set"})


class UserCreatedSchema(AdminUserSchema):
    mail = fields.Nested(MailOutcomeSchema, required=True)


class UserListSchema(Schema):
    items = fields.List(fields.Nested(AdminUserSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class MergeBodySchema(_Body):
    target = fields.String(required=True, validate=validate.Regexp(ORG_ID),
                           metadata={"description": "保留的单位 / the institution that stays, org-N"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "true: 只预览不合并 / only say what would move"})


class MovedSchema(Schema):
    achievements = fields.List(fields.String(), required=True)
    patents = fields.List(fields.String(), required=True)
    instruments = fields.List(fields.String(), required=True)
    users = fields.List(fields.Integer(), required=True)
    drafts = fields.List(fields.Integer(), required=True)
    names = fields.List(fields.String(), required=True, metadata={"description": "此前并入的名称 / names merged into it before"})


class MergeResultSchema(Schema):
    source = fields.String(required=True, metadata={"description": "并入的单位（合并后不再存在）/ the merged institution (gone after)"})
    target = fields.String(required=True)
    merged = fields.Boolean(required=True, metadata={"description": "false: dry_run 预览 / a dry run"})
    moved = fields.Nested(MovedSchema, required=True)
    duplicate_holders_dropped = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    filled = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    warnings = fields.List(fields.String(), required=True)


class AuditArgsSchema(_Args):
    action = fields.String(load_default=None, validate=validate.Length(max=64),
                           metadata={"description": "操作名前缀，如 user. / an action prefix such as user."})
    actor = fields.String(load_default=None, validate=validate.Length(max=254),
                          metadata={"description": "操作者邮箱的一部分 / part of the actor's e-mail"})
    target = fields.String(load_default=None, validate=validate.Length(max=100), metadata={"description": "对象，如 user:5、org-3"})
    since = fields.DateTime(load_default=None, metadata={"description": "不早于（含）/ at or after, ISO 8601"})
    until = fields.DateTime(load_default=None, metadata={"description": "早于（不含）/ before, ISO 8601"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.String(required=True, metadata={"description": "ISO 8601 (UTC)"})
    actor = fields.String(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True)
    target = fields.String(required=True, allow_none=True)
    summary = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
