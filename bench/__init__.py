"""``make bench``: the mock beside a bare Flask app and Stoplight Prism, measured with wrk
(``python -m bench``), and the load scripts beside wrk on nginx (``python -m
bench.load_scripts``). Not shipped: ``pyproject.toml`` packages the kit's parts only."""
