class ChineseByDefaultMiddleware:
    """Chinese is the portal's language until the person switches (the language cookie).

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and most
    browsers, set up in English by default, would then never see the Chinese site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
