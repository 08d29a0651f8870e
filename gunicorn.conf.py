# gunicorn reads this file from the directory it starts in (or: gunicorn -c gunicorn.conf.py).
# The access log must not keep the passwords the meeting server sends to /tm/auth.
logger_class = "portal.logfilters.GunicornLogger"
