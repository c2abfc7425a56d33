"""r2gate: an edge API for Cloudflare R2 (the Worker's main module)."""

from workers import WorkerEntrypoint

from handlers.router import dispatch


class Default(WorkerEntrypoint):
    """workerd constructs one per request; all the work happens in handlers/."""

    async def fetch(self, request):
        return await dispatch(request, self.env, self.ctx)
