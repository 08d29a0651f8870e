"""Exports of data sets (registrations, attendance, a customer's meetings) as CSV or xlsx.

One registry of exporters by name (``registry``), one file writer per format
(``formats``), one job model, one Celery task and one download view for the
dashboard and the API. The apps register their exporters in their ``ready()``;
this package names none of them.
"""
