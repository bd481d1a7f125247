"""The default invoice issuer: a local register of numbers, no tax-system connection.

It numbers as the fully digital e-invoice (全电发票) does, 20 digits: the
two-digit year and eighteen digits derived from the invoice's ID (a red
letter's from the ID and the number it cancels), so asking again for the
same draft answers the same number and a retry after a lost answer cannot
make a second one. A connection to a tax platform is another class with
this one's method (``application.finance.invoices.InvoiceIssuer``).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

from application.finance.invoices import Draft

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/local-invoice-numbers")


class LocalInvoiceRegister:
    def issue(self, draft: Draft) -> str:
        key = f"{draft.invoice_id}:{draft.red_letter_of or ''}"
        digits = uuid5(NAMESPACE, key).int % 10**18
        return f"{draft.issued_on.year % 100:02d}{digits:018d}"
