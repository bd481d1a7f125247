"""HTTP routes of the books (R5.3): ``routes.py`` the routes, ``reports.py`` their
statements laid out as xlsx and pdf reports."""

from interfaces.http.finance.ledger.routes import router

__all__ = ["router"]
