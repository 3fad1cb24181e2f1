import uvicorn

from gateway.app import create_app

app = create_app()
uvicorn.run(
    app,
    host=app.state.settings.http_host,
    port=app.state.settings.portal_port,
    log_config=None,
    access_log=False,
)
