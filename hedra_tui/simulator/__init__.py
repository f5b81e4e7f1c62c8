"""A local Hedra v2 API (Starlette + uvicorn) for the demo and the tests; never imports textual."""

DEMO_API_KEY = "sk-hedra-demo-0000"
