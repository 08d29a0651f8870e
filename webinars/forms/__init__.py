"""Forms: the HTTP boundary of the dashboard and of every registration page.

``RegistrationForm`` is the one validator of a registration, whichever way
it arrives (built-in page, embedded form, custom page, API), so the field
names documented for custom pages are the names used here.

base holds the plumbing every form shares (DescribedForm, the widgets
and validators), host the dashboard's forms, registration the dynamic
registration form built from a webinar's questions.
"""
