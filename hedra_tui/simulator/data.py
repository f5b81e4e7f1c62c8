"""Deterministic parts of simulated generations: prompts, models, inputs, assets, errors."""

from __future__ import annotations

import random
import uuid
from typing import Any, TypedDict

SUBJECTS = (
    "a red fox",
    "an astronaut",
    "a lighthouse keeper",
    "two robots",
    "a jazz trio",
    "a paper boat",
    "an old fisherman",
    "a cat in a spacesuit",
    "a street dancer",
    "a glass city",
    "a dragon kite",
    "a barista",
    "a mountain village",
    "a tiny submarine",
    "a news anchor",
    "a violinist",
    "a cyclist",
    "a koi pond",
    "a desert caravan",
    "a neon diner",
    "a snow leopard",
    "a chess grandmaster",
    "a hot-air balloon",
)
ACTIONS = (
    "walking through",
    "singing about",
    "floating above",
    "dancing in",
    "explaining",
    "racing across",
    "painting",
    "waking up in",
    "talking to the camera about",
    "slowly turning towards",
    "laughing in",
    "reading a letter in",
)
PLACES = (
    "a rainy Tokyo street",
    "golden-hour fields",
    "a foggy harbor",
    "a neon arcade",
    "a quiet library",
    "the surface of Mars",
    "a crowded market",
    "a snowy forest",
    "an underwater cave",
    "a sunlit kitchen",
    "a retro TV studio",
    "a rooftop garden",
)
STYLES = (
    "cinematic, 35mm",
    "studio lighting",
    "watercolor style",
    "hyper-real",
    "soft focus",
    "handheld camera",
    "slow motion",
    "anime style",
    "documentary look",
    "film grain",
)
SPEECH = (
    "Welcome back to the channel, today we are testing something new.",
    "Thank you for calling, your order is on its way.",
    "Once upon a time, in a village by the sea, there lived a clockmaker.",
    "This quarter our revenue grew by twelve percent.",
    "Please remember to stretch before every run.",
    "Breaking news: the comet will be visible tonight.",
)


class SimModel(TypedDict):
    """One model of the simulated catalogue."""

    slug: str
    name: str
    type: str  # asset type: video, image, audio, voice
    eta_ms: int
    cost: int  # credits


MODELS: tuple[SimModel, ...] = (
    {
        "slug": "hedra/character-3",
        "name": "Character-3",
        "type": "video",
        "eta_ms": 180_000,
        "cost": 30,
    },
    {
        "slug": "hedra/character-3-fast",
        "name": "Character-3 Fast",
        "type": "video",
        "eta_ms": 90_000,
        "cost": 18,
    },
    {"slug": "google/veo-3", "name": "Veo 3", "type": "video", "eta_ms": 300_000, "cost": 120},
    {
        "slug": "kling/kling-2.5",
        "name": "Kling 2.5",
        "type": "video",
        "eta_ms": 240_000,
        "cost": 60,
    },
    {
        "slug": "google/nano-banana",
        "name": "Nano Banana",
        "type": "image",
        "eta_ms": 20_000,
        "cost": 4,
    },
    {"slug": "bfl/flux-pro", "name": "FLUX Pro", "type": "image", "eta_ms": 30_000, "cost": 6},
    {
        "slug": "openai/gpt-image-1",
        "name": "GPT Image 1",
        "type": "image",
        "eta_ms": 45_000,
        "cost": 8,
    },
    {
        "slug": "elevenlabs/multilingual-v2",
        "name": "Multilingual v2",
        "type": "audio",
        "eta_ms": 15_000,
        "cost": 2,
    },
    {
        "slug": "elevenlabs/sound-effects",
        "name": "Sound Effects",
        "type": "audio",
        "eta_ms": 20_000,
        "cost": 3,
    },
    {
        "slug": "hedra/voice-clone",
        "name": "Voice Clone",
        "type": "voice",
        "eta_ms": 30_000,
        "cost": 10,
    },
)

# (asset type, generation type, weight)
KINDS: tuple[tuple[str, str, int], ...] = (
    ("video", "video", 45),
    ("image", "image", 30),
    ("audio", "text_to_speech", 12),
    ("audio", "text_to_sound", 5),
    ("voice", "voice_clone", 4),
    ("text", "video", 4),  # as in the doc example: a text result of a video request
)

# (ErrorCode, weight, transient)
ERRORS: tuple[tuple[str, int], ...] = (
    ("MODERATION_FAILED", 22),
    ("INVALID_ARGUMENT", 18),
    ("INSUFFICIENT_BALANCE", 12),
    ("UNAVAILABLE", 10),
    ("INTERNAL", 9),
    ("DEADLINE_EXCEEDED", 7),
    ("RESOURCE_EXHAUSTED", 5),
    ("FAILED_PRECONDITION", 5),
    ("PERMISSION_DENIED", 3),
    ("UNAUTHORIZED", 2),
    ("NOT_FOUND", 2),
    ("UNKNOWN", 5),
)
_ERROR_MESSAGES = {
    "MODERATION_FAILED": "The request was blocked by content moderation.",
    "INVALID_ARGUMENT": "The request has invalid parameters.",
    "INSUFFICIENT_BALANCE": "Not enough credits to run this generation.",
    "UNAVAILABLE": "The model provider is temporarily unavailable.",
    "INTERNAL": "An internal error occurred while generating.",
    "DEADLINE_EXCEEDED": "The provider did not answer in time.",
    "RESOURCE_EXHAUSTED": "The provider's capacity is exhausted; try again later.",
    "FAILED_PRECONDITION": "The referenced start keyframe is not ready yet.",
    "PERMISSION_DENIED": "This workspace may not use the requested model.",
    "UNAUTHORIZED": "The request was not authorized.",
    "NOT_FOUND": "The referenced audio asset does not exist.",
    "UNKNOWN": "Something went wrong.",
}

RESOLUTIONS = ("540p", "720p", "1080p")
ASPECTS = ("16:9", "9:16", "1:1")
_DIMS = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (1024, 1024)}


def model_id(slug: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hedra-sim-model:{slug}"))


def models_payload() -> list[dict[str, Any]]:
    out = []
    for order, m in enumerate(MODELS):
        out.append(
            {
                "id": model_id(m["slug"]),
                "slug": m["slug"],
                "name": m["name"],
                "description": f"{m['name']} ({m['type']}) on the Hedra simulator",
                "type": m["type"],
                "aspect_ratios": list(ASPECTS) if m["type"] in ("video", "image") else None,
                "resolutions": list(RESOLUTIONS) if m["type"] == "video" else None,
                "eta_ms": m["eta_ms"],
                "tags": [m["type"]],
                "price_details": {
                    "credit_cost": m["cost"],
                    "unit_scale": 1,
                    "billing_unit": "second" if m["type"] == "video" else "generation",
                },
                "premium": m["cost"] > 20,
                "display_order": order,
            }
        )
    return out


def models_for(kind: str) -> list[SimModel]:
    wanted = {"video": "video", "image": "image", "audio": "audio", "voice": "voice"}.get(
        kind, "image"
    )
    return [m for m in MODELS if m["type"] == wanted]


def prompt(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(PLACES)}"
    if rng.random() < 0.6:
        text += f", {rng.choice(STYLES)}"
    return text[0].upper() + text[1:]


def make_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_input(job: Any, rng: random.Random) -> dict[str, Any]:
    """The request a job was created with, in the spec's shape for its generation type."""
    common: dict[str, Any] = {"type": job.gen_type}
    if job.agent_thread_id:
        common["agent_thread_id"] = job.agent_thread_id
    if job.gen_type == "video":
        aspect = rng.choice(ASPECTS)
        return {
            **common,
            "ai_model_id": job.model_id,
            "generated_video_inputs": {
                "text_prompt": job.prompt,
                "ai_model_id": job.model_id,
                "resolution": rng.choice(RESOLUTIONS),
                "aspect_ratio": aspect,
                "duration_ms": rng.choice((5000, 8000, 10000)),
                "enhance_prompt": rng.random() < 0.3,
            },
            "start_keyframe_id": make_uuid(rng),
            "audio_id": make_uuid(rng) if rng.random() < 0.5 else None,
            "batch_size": getattr(job, "batch_size", 1),
        }
    if job.gen_type == "image":
        return {
            **common,
            "text_prompt": job.prompt,
            "ai_model_id": job.model_id,
            "aspect_ratio": rng.choice(ASPECTS),
            "resolution": rng.choice(("1K", "2K")),
            "batch_size": getattr(job, "batch_size", 1),
            "enhance_prompt": False,
        }
    if job.gen_type == "text_to_speech":
        return {
            **common,
            "voice_id": make_uuid(rng),
            "model_id": job.model_id,
            "text": job.prompt,
            "stability": 0.5,
            "speed": 1.0,
            "language": "English",
        }
    if job.gen_type == "text_to_sound":
        return {**common, "ai_model_id": job.model_id, "text": job.prompt, "duration_seconds": 5.0}
    if job.gen_type == "voice_clone":
        return {**common, "audio_id": make_uuid(rng), "name": job.prompt}
    return {**common, "text_prompt": job.prompt, "ai_model_id": job.model_id}


def build_asset(
    job: Any, rng: random.Random, base_url: str, created_at: str
) -> dict[str, Any] | None:
    """The generated asset of a completed job (None for text results, which have no asset)."""
    url = f"{base_url}/_sim/assets/{job.id}"
    inputs = {"text_prompt": job.prompt, "ai_model_id": job.model_id}
    if job.type == "video":
        w, h = _DIMS[rng.choice(ASPECTS)]
        body: dict[str, Any] = {
            "type": "generated_video",
            "width": w,
            "height": h,
            "url": url,
            "download_url": url + "?download=1",
            "streaming_url": url + "?stream=1",
            "poster_url": url + "?poster=1",
            "duration_ms": rng.choice((5000, 8000, 10000)),
            "preview_url": url + "?preview=1",
            "generated_video_inputs": {**inputs, "resolution": "720p", "aspect_ratio": "16:9"},
            "keyframe_start": None,
            "audio": None,
        }
        name = "video.mp4"
    elif job.type == "image":
        w, h = _DIMS[rng.choice(ASPECTS)]
        body = {
            "type": "generated_image",
            "width": w,
            "height": h,
            "url": url,
            "generated_image_inputs": inputs,
        }
        name = "image.png"
    elif job.type == "audio":
        body = {
            "type": "generated_audio",
            "duration_ms": rng.randint(2000, 30000),
            "url": url,
            "generated_audio_inputs": inputs,
        }
        name = "audio.mp3"
    elif job.type == "voice":
        body = {
            "type": "voice",
            "external_id": make_uuid(rng),
            "labels": [{"name": "accent", "value": rng.choice(("american", "british", "neutral"))}],
            "preview_url": url,
            "source": "clone",
        }
        name = "voice"
    else:
        return None
    return {
        "id": job.id,
        "type": job.type,
        "name": f"{job.prompt[:40]} - {name}",
        "thumbnail_url": url + "?thumb=1",
        "description": None,
        "is_favorite": False,
        "recent": False,
        "created_at": created_at,
        "favorited_at": None,
        "asset": body,
    }


def pick_error(
    rng: random.Random, job: Any, drift: bool
) -> tuple[dict[str, Any] | None, str | None]:
    """An error object (or a legacy bare message) for a failed job."""
    if rng.random() < 0.05:
        return None, "Generation failed (legacy error without a code)."
    if drift and rng.random() < 0.04:
        return {
            "type": "QUOTA_FROZEN",
            "reason_code": "FUTURE_REASON",
            "message": "Quota frozen by policy.",
        }, None
    codes, weights = zip(*ERRORS, strict=True)
    code = rng.choices(codes, weights)[0]
    err: dict[str, Any] = {"type": code, "message": _ERROR_MESSAGES[code]}
    if code == "MODERATION_FAILED":
        roll = rng.random()
        if roll < 0.4:
            err["reason_code"] = "MODERATION_LIKENESS"
            err["message"] = "A reference image appears to depict a real person."
        elif roll < 0.7:
            err["reason_code"] = "MODERATION_OUTPUT_TRANSIENT"
            err["message"] = "The generated output was flagged; a retry may pass."
    elif code == "INSUFFICIENT_BALANCE":
        needed = job.credit_cost
        err["credits_needed"] = needed
        err["credits_available"] = rng.randint(0, max(needed - 1, 0))
    elif code == "INVALID_ARGUMENT":
        param = rng.choice(("generated_video_inputs.duration_ms", "aspect_ratio", "text_prompt"))
        err["param"] = param
        err["violations"] = [
            {"field": param, "message": "value is not supported by this model"},
            *(
                [{"field": "resolution", "message": "must be one of 540p, 720p"}]
                if rng.random() < 0.5
                else []
            ),
        ]
    return err, None
