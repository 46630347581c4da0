import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")

application = get_wsgi_application()

# A page builds tens of thousands of objects (rows, model instances, template nodes) that
# die with the request. With Python's default thresholds (700 allocations) they outlive two
# collections and reach the oldest generation, whose full collections then pause a worker
# for 100-300 ms every few requests (measured by bench.pages: a home page's p95 tripled).
# Collected young instead; the objects of start-up are frozen out of every collection.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
