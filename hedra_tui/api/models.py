"""Pydantic models of the Hedra v2 API (hedra-openapi-v2.json), tolerant of drift.

Open enums: fields hold the raw string, so a status or error code the spec does not
know yet is kept and shown, never an exception; the ``StrEnum`` classes list the known
values. Extra fields are kept (``extra="allow"``) and every object remembers the exact
JSON it came from (``raw``), for the tree view and for export. A field whose value has
the wrong type is dropped from the typed view (and reported in ``parse_issues``) rather
than sinking the object; an item without a usable ``id`` is kept as :class:`MalformedItem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    ModelWrapValidatorHandler,
    PrivateAttr,
    Tag,
    ValidationError,
    model_validator,
)

from .errors import PayloadError


class GenerationStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    FINALIZING = "finalizing"
    COMPLETE = "complete"
    ERROR = "error"


IN_FLIGHT_STATUSES = frozenset(
    {GenerationStatus.QUEUED, GenerationStatus.PROCESSING, GenerationStatus.FINALIZING}
)
FINAL_STATUSES = frozenset({GenerationStatus.COMPLETE, GenerationStatus.ERROR})


class AssetType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    VOICE = "voice"
    THREE_D = "three_d"
    RICH_TEXT = "rich_text"


class GenerationType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    TEXT_TO_SPEECH = "text_to_speech"
    SPEECH_TO_SPEECH = "speech_to_speech"
    VOICE_CLONE = "voice_clone"
    AUDIO_ISOLATION = "audio_isolation"
    VIDEO_STITCHING = "video_stitching"
    VIDEO_UPSCALE = "video_upscale"
    VIDEO_TO_VIDEO = "video_to_video"
    IMAGE_UPSCALE = "image_upscale"
    AGENT_RESPONSE = "agent_response"
    AUDIO_FROM_VIDEO = "audio_from_video"
    TEXT_TO_SOUND = "text_to_sound"
    ASSETS_TO_IMAGE_TEXT_PROMPT = "assets_to_image_text_prompt"
    ASSETS_TO_AUDIO_TEXT_PROMPT = "assets_to_audio_text_prompt"


class ErrorCode(StrEnum):
    UNKNOWN = "UNKNOWN"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    GONE = "GONE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    ALREADY_IN_PROGRESS = "ALREADY_IN_PROGRESS"
    UNAUTHORIZED = "UNAUTHORIZED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    MODERATION_FAILED = "MODERATION_FAILED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


class GenerationReasonCode(StrEnum):
    MODERATION_LIKENESS = "MODERATION_LIKENESS"
    MODERATION_OUTPUT_TRANSIENT = "MODERATION_OUTPUT_TRANSIENT"


def known(enum: type[StrEnum], value: str | None) -> bool:
    """True when ``value`` is one of the values the spec lists for ``enum``."""
    return value is not None and value in enum._value2member_map_


class HedraModel(BaseModel):
    """Base: keep unknown fields, remember the raw JSON, salvage what parses."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _raw: Any = PrivateAttr(default=None)
    _issues: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _salvage(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # A field whose value does not fit is dropped (and reported) instead of sinking
        # the object; nested models salvage their own fields first.
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            errors = exc.errors(include_url=False, include_input=False)
            bad = {err["loc"][0] for err in errors if err["loc"]}
            obj = handler({k: v for k, v in data.items() if k not in bad})
            obj._issues = [
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in errors
            ]
            return obj

    @property
    def raw(self) -> Any:
        """The JSON value exactly as the server sent it."""
        return self._raw if self._raw is not None else self.model_dump(mode="json")

    @property
    def parse_issues(self) -> list[str]:
        """Fields that were dropped from the typed view because their value did not fit."""
        return self._issues


M = TypeVar("M", bound=HedraModel)


def parse_lenient(cls: type[M], data: Any) -> M:
    """Validate ``data`` as ``cls`` (salvaging bad fields) and remember the raw JSON.

    Raises :class:`pydantic.ValidationError` only when the object cannot stand even
    without its bad fields (e.g. its ``id`` is missing or not a string).
    """
    obj = cls.model_validate(data)
    obj._raw = data
    return obj


class GenerationError(HedraModel):
    type: str = "UNKNOWN"
    reason_code: str | None = None
    message: str = ""
    param: str | None = None
    violations: list[dict[str, Any]] | None = None
    credits_needed: int | None = None
    credits_available: int | None = None


class AssetBody(HedraModel):
    """The typed asset payload; the fields common to its variants are all optional."""

    type: str | None = None
    url: str | None = None
    download_url: str | None = None
    streaming_url: str | None = None
    preview_url: str | None = None
    poster_url: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


class GeneratedVideo(AssetBody):
    generated_video_inputs: dict[str, Any] | None = None
    keyframe_start: dict[str, Any] | None = None
    keyframe_end: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    reference_audio_ids: list[str] | None = None
    reference_image_ids: list[str] | None = None
    reference_video_ids: list[str] | None = None
    source_video_id: str | None = None


class GeneratedImage(AssetBody):
    generated_image_inputs: dict[str, Any] | None = None


class GeneratedAudio(AssetBody):
    generated_audio_inputs: dict[str, Any] | None = None
    transcriptions: list[dict[str, Any]] | None = None


class UploadedImage(AssetBody):
    pass


class UploadedAudio(AssetBody):
    transcriptions: list[dict[str, Any]] | None = None


class UploadedVideo(AssetBody):
    pass


class Uploaded3D(AssetBody):
    file_format: str | None = None


class Voice(AssetBody):
    external_id: str | None = None
    labels: list[Any] | None = None
    source: str | None = None


_ASSET_VARIANTS: dict[str, type[AssetBody]] = {
    "generated_video": GeneratedVideo,
    "generated_image": GeneratedImage,
    "generated_audio": GeneratedAudio,
    "uploaded_image": UploadedImage,
    "uploaded_audio": UploadedAudio,
    "uploaded_video": UploadedVideo,
    "uploaded_three_d": Uploaded3D,
    "voice": Voice,
}


def _asset_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _ASSET_VARIANTS else "other"


AnyAssetBody = Annotated[
    Annotated[GeneratedVideo, Tag("generated_video")]
    | Annotated[GeneratedImage, Tag("generated_image")]
    | Annotated[GeneratedAudio, Tag("generated_audio")]
    | Annotated[UploadedImage, Tag("uploaded_image")]
    | Annotated[UploadedAudio, Tag("uploaded_audio")]
    | Annotated[UploadedVideo, Tag("uploaded_video")]
    | Annotated[Uploaded3D, Tag("uploaded_three_d")]
    | Annotated[Voice, Tag("voice")]
    | Annotated[AssetBody, Tag("other")],
    Discriminator(_asset_tag),
]


class Asset(HedraModel):
    id: str | None = None
    type: str | None = None
    name: str | None = None
    thumbnail_url: str | None = None
    description: str | None = None
    is_favorite: bool = False
    recent: bool = False
    created_at: str | None = None
    favorited_at: str | None = None
    asset: AnyAssetBody | None = None

    @property
    def best_url(self) -> str | None:
        """The URL to fetch the asset from: download, then plain, then streaming URL."""
        body = self.asset
        if body is None:
            return None
        return body.download_url or body.url or body.streaming_url


class Generation(HedraModel):
    """One generation (``Generation`` in the spec). Only ``id`` is required here."""

    id: str
    type: str = ""
    input: dict[str, Any] | None = None
    status: str = ""
    progress: float = 0.0
    eta_sec: float | None = None
    estimated_completion_at: str | None = None
    created_at: str | None = None
    credit_cost: int | None = None
    batch_generation_id: str | None = None
    asset: Asset | None = None
    audio_start_ms: int | None = None
    error: GenerationError | None = None
    error_message: str | None = None


class GenerationStatusResponse(HedraModel):
    id: str
    asset_id: str | None = None
    type: str = ""
    status: str = ""
    progress: float = 0.0
    created_at: str | None = None
    error: GenerationError | None = None
    error_message: str | None = None
    url: str | None = None
    download_url: str | None = None
    streaming_url: str | None = None
    workspace_id: str | None = None


class PageInfo(HedraModel):
    limit: int
    offset: int


class WorkspaceCreditUsage(HedraModel):
    used: int = 0
    allocated: int = 0
    available: int = 0
    api_usd_micros: int | None = None
    api_credits: int | None = None
    api_consumed_usd_micros: int | None = None


class CreditBalance(HedraModel):
    remaining: int
    expiring: int = 0
    used: int = 0
    workspace_credits: dict[str, int] | None = None
    workspace_credit_pool: dict[str, WorkspaceCreditUsage] | None = None


class AIModelPrice(HedraModel):
    credit_cost: int | None = None
    unit_scale: int | None = None
    billing_unit: str | None = None


class AIModel(HedraModel):
    id: str | None = None
    slug: str = ""
    name: str = ""
    description: str | None = None
    type: str = ""
    eta_ms: int | None = None
    tags: list[str] | None = None
    price_details: AIModelPrice | None = None


@dataclass(frozen=True)
class MalformedItem:
    """A list item that could not be read as a generation; kept so nothing is lost."""

    index: int
    raw: Any
    reason: str


@dataclass
class GenerationPage:
    page_info: PageInfo
    items: list[Generation]
    malformed: list[MalformedItem] = field(default_factory=list)


def parse_generation(data: Any) -> Generation:
    return parse_lenient(Generation, data)


def parse_generation_page(payload: Any, *, limit: int, offset: int) -> GenerationPage:
    """Read a ``PagedResponse[Generation]``; bad items are set aside, never fatal."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise PayloadError("the generations page has no 'data' list")
    try:
        info = parse_lenient(PageInfo, payload.get("page_info"))
    except ValidationError:
        info = PageInfo(limit=limit, offset=offset)
    items: list[Generation] = []
    malformed: list[MalformedItem] = []
    for index, raw in enumerate(payload["data"]):
        try:
            items.append(parse_generation(raw))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "item"
            malformed.append(MalformedItem(index, raw, f"{where}: {first['msg']}"))
    return GenerationPage(info, items, malformed)


def parse_object(cls: type[M], payload: Any, what: str) -> M:
    """Parse one object of ``cls`` or raise :class:`PayloadError` naming ``what``."""
    try:
        return parse_lenient(cls, payload)
    except ValidationError as exc:
        raise PayloadError(f"unexpected {what} payload: {exc.error_count()} problem(s)") from None


def parse_list(cls: type[M], payload: Any, what: str) -> list[M]:
    """Parse a JSON array of ``cls``, skipping items that cannot be read."""
    if not isinstance(payload, list):
        raise PayloadError(f"unexpected {what} payload: expected a list")
    out: list[M] = []
    for item in payload:
        try:
            out.append(parse_lenient(cls, item))
        except ValidationError:
            continue
    return out
