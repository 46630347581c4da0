"""gunicorn's settings (read from the working directory): the access log names the path
only, never the query string (the admin's searches are GETs with names and numbers), nor
the referrer (a previous page's query string) or the user agent."""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
accesslog = "-"
