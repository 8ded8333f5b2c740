from django.shortcuts import render


def forbidden(request, exception=None):
    return render(request, "core/error.html", {"code": 403, "title": "Accès refusé",
                  "message": "Vous n'avez pas les droits nécessaires pour afficher cette page."}, status=403)


def not_found(request, exception=None):
    return render(request, "core/error.html", {"code": 404, "title": "Page non trouvée",
                  "message": "La page que vous cherchez n'existe pas ou n'est pas dans votre périmètre."},
                  status=404)


def server_error(request):
    return render(request, "core/error.html", {"code": 500, "title": "Erreur inattendue",
                  "message": "Une erreur est survenue. L'équipe technique a été informée."}, status=500)
