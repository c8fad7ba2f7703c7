"""``make bench``: the mock beside a bare Flask app and Stoplight Prism, measured with wrk."""
