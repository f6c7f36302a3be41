"""The web inbox, served by the daemon on `[web] listen`: a Starlette app on uvicorn, Jinja2 pages, no build step.

links.py     signed, expiring links to one mention's page (the capability an alert carries)
sessions.py  the login cookie and the CSRF value every form carries
site.py      what every page shares: the current Site, who is asking, rendering, security headers
login.py     /login, /logout, with a rate limit kept in the database
pages.py     the inbox, the mention page and its buttons (every change is a POST)
routes.py    the Starlette app
server.py    uvicorn in the daemon's event loop
templates/, static/app.css
"""
