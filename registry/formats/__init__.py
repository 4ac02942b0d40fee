"""Date and time formats per language (``FORMAT_MODULE_PATH``).

The pages write dates as 5.12.2026 and times as 14:05 in every language; these modules make
Django's own formatting (``{{ value|date }}``, ``formats.date_format``, the export's report)
say the same, so an English reader does not get "12/05/2026 9:09 a.m." on one page and
5.12.2026 on the next. English uses the day.month.year order too: the service is Finnish,
its dates are Finnish dates, and a reader comparing a letter with the page sees one form.
Only display formats are set; input formats and number formats fall back to Django's.
"""
