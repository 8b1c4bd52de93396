FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && \
    DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --create-home portal && mkdir -p /app/media /app/private /app/beat && chown -R portal /app
USER portal
EXPOSE 8000
CMD ["gunicorn", "ipservice.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
