"""r2gate: an edge API for Cloudflare R2 (the Worker's main module)."""

from typing import Any

from workers import WorkerEntrypoint

from handlers.cleanup import run_scheduled
from handlers.deliveries import run_queue
from handlers.event_loop import lighten_call_soon, lighten_futures
from handlers.routes import dispatch
from handlers.tus_object import TusUpload

lighten_futures()  # ~60 µs less CPU per await of a JS promise (handlers/event_loop.py)
lighten_call_soon()  # a turn of the event loop 125 -> 40 µs of CPU, 4-5 turns a request (same)


class Default(WorkerEntrypoint):
    """workerd constructs one per request; all the work happens in handlers/."""

    async def fetch(self, request: Any) -> Any:
        return await dispatch(request, self.env, self.ctx)

    async def scheduled(self, controller: Any, env: Any, ctx: Any) -> None:
        """The cron trigger. workerd calls it NOT relaxed with (controller, None, None), so
        the bindings come from self.env and self.ctx."""
        await run_scheduled(controller, self.env, self.ctx)

    async def queue(self, batch: Any, *_unused: Any) -> None:
        """The Queue consumer (wrangler.toml `[[queues.consumers]]`): upload events become
        webhook deliveries and object index rows (handlers/deliveries.py). Like `scheduled`,
        it may be called with (batch, None, None)."""
        await run_queue(batch, self.env)


__all__ = ["Default", "TusUpload"]  # TusUpload: the Durable Object of a tus upload
