"""Schemas of the attachment, access-request and disclosure-log routes: the arguments they load,
and the shapes they answer (documented in the OpenAPI document, checked by schemathesis)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import vocabularies
from ..disclosure import KINDS
from ..models import ACCESS_STATES
from ..services.access_requests import MAX_MESSAGE, MAX_NOTE
from ..services.filetypes import TYPES
from .args import FormArgs
from .common import PUBLIC_ID_PATTERN

ACCESS = ("public", "holder", "approved", "pending", "rejected", "none")
MAX_PAGE = 500


def _categories() -> list[str]:
    return vocabularies.get("attachment_category").codes


# -- arguments -------------------------------------------------------------------------------------

class AttachmentFormSchema(FormArgs):
    """The form fields of an upload (the file itself is checked by the service)."""

    title = fields.String(load_default=None, validate=validate.Length(max=200),
                          metadata={"description": "标题；不填则用文件名 / title; the file name when left out"})
    category = fields.String(load_default=None, validate=validate.OneOf(_categories()),
                             metadata={"description": "类别 / category: " + ", ".join(_categories())})
    confidential = fields.Boolean(load_default=False, metadata={
        "description": "保密：会员申请、持有单位批准后才能下载 / confidential: downloads only after the holder approved a request"})


class AttachmentChangeSchema(FormArgs):
    title = fields.String(validate=validate.Length(min=1, max=200))
    category = fields.String(allow_none=True, validate=validate.OneOf(_categories()))
    confidential = fields.Boolean()


class AccessRequestCreateSchema(FormArgs):
    message = fields.String(required=True, validate=validate.Length(min=1, max=MAX_MESSAGE),
                            metadata={"description": "申请说明：用途 / what the requester needs the file for"})


class DecisionSchema(FormArgs):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE),
                         metadata={"description": "给申请人的答复 / a note for the requester"})


class AccessRequestArgsSchema(FormArgs):
    scope = fields.String(load_default="mine", validate=validate.OneOf(("mine", "incoming")), metadata={
        "description": "mine：我提出的申请；incoming：对本单位附件的申请（管理员：全部）/ mine: requests I made; incoming: "
                       "requests for files my institution holds (administrators: all)"})
    status = fields.String(load_default=None, validate=validate.OneOf(ACCESS_STATES))


class DisclosureArgsSchema(FormArgs):
    record = fields.String(load_default=None, validate=validate.Regexp(PUBLIC_ID_PATTERN),
                           metadata={"description": "只看这条记录 / one record only, e.g. ach-12"})
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "翻页：上一页的 next_before / paging: the previous page's next_before"})
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


# -- answers -----------------------------------------------------------------------------------------

class AttachmentLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    record = fields.String(required=True, metadata={"format": "uri"})
    file = fields.String(metadata={"format": "uri", "description": "可下载时给出 / given when the caller may download"})
    request_access = fields.String(metadata={"format": "uri", "description": "可申请时给出 / given when the caller may ask"})


class AccessRequestBriefSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACCESS_STATES))
    note = fields.String(allow_none=True)


class AttachedFileSchema(Schema):
    id = fields.Integer(required=True)
    record = fields.String(required=True, metadata={"description": "所属记录 / the record, e.g. ach-12"})
    title = fields.String(required=True)
    filename = fields.String(required=True, metadata={"description": "下载时的文件名 / the name it downloads as"})
    kind = fields.String(required=True, validate=validate.OneOf(sorted(TYPES)),
                         metadata={"description": "按内容识别的类型 / the type found from the content"})
    media_type = fields.String(required=True)
    category = fields.String(allow_none=True, validate=validate.OneOf(_categories()))
    size = fields.Integer(required=True, metadata={"description": "字节 / bytes"})
    sha256 = fields.String(required=True)
    confidential = fields.Boolean(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    access = fields.String(required=True, validate=validate.OneOf(ACCESS), metadata={
        "description": "调用者的权限 / what the caller may do: public (anyone downloads), holder (maintains the record), "
                       "approved / pending / rejected (the caller's access request), none (not asked yet)"})
    can_download = fields.Boolean(required=True)
    request = fields.Nested(AccessRequestBriefSchema, allow_none=True, metadata={"description": "调用者的查看申请 / the caller's request"})
    links = fields.Nested(AttachmentLinksSchema, required=True)


class PartySchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(vocabularies.get("user_role").codes))
    organisation = fields.String(allow_none=True)


class RequestedFileSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    record = fields.String(required=True)
    record_title = fields.String(required=True)


class AccessRequestLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    attachment = fields.String(required=True, metadata={"format": "uri"})
    decision = fields.String(metadata={"format": "uri", "description": "持有单位可审批时给出 / given to the holder"})


class AccessRequestSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACCESS_STATES))
    message = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    decided_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    attachment = fields.Nested(RequestedFileSchema, required=True)
    requester = fields.Nested(PartySchema, required=True)
    links = fields.Nested(AccessRequestLinksSchema, required=True)


class DisclosureEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})
    user = fields.Nested(PartySchema, required=True, metadata={"description": "查看者（当时的信息）/ who, as they were then"})
    record = fields.String(required=True)
    record_title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "contact 联系方式 / description 完整介绍 / attachment 保密附件"})
    file = fields.String(allow_none=True, metadata={"description": "保密附件的文件名 / the confidential file's name"})
    channel = fields.String(required=True, validate=validate.OneOf(("page", "api", "file")))


class DisclosurePageSchema(Schema):
    events = fields.List(fields.Nested(DisclosureEventSchema), required=True)
    next_before = fields.Integer(allow_none=True, required=True,
                                 metadata={"description": "下一页：before=此值；null 表示没有了 / the next page: before=this; null at the end"})
