from portal.vendors import VendorApp


class TurboMeetingApp(VendorApp):
    name = "vendors.turbomeeting"
    label = "turbomeeting"
    verbose_name = "TurboMeeting"
    backend = "turbomeeting"
