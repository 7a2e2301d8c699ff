"""`seqkit serve`: the query and predict commands as an HTTP JSON API (FastAPI on uvicorn, `seqkit[serve]`).

config.py the server's settings; registry.py the models, loaded once by name; queries.py the answers (the
CLI's library calls and fields); schemas.py the request bodies; app.py the ASGI app; server.py the processes.
"""
