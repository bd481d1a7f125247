"""HTTP routes of expenses (R5.2): ``routes.py`` the routes, ``views.py`` their bodies and views."""

from interfaces.http.finance.expenses.routes import router

__all__ = ["router"]
