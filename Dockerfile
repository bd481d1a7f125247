# Production image: API, projector, scheduler, worker and backup share it;
# docker-compose.yml picks the command. It installs requirements.lock alone: what the
# service runs on, without the development tools or the embedded servers
# (requirements-dev.lock); a deployment names its own PostgreSQL and Redis.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# PDFs print Chinese with the CJK font the package carries
# (infrastructure/reports/fonts, decision 0044): no system font is installed.
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY domain ./domain
COPY application ./application
COPY projections ./projections
COPY interfaces ./interfaces
COPY infrastructure ./infrastructure
COPY replay ./replay
COPY bootstrap.py ./
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
 && useradd --system --uid 10001 estatelog \
 && mkdir -p /var/lib/estatelog /backups && chown estatelog /var/lib/estatelog /backups
USER estatelog
EXPOSE 8000
CMD ["estatelog", "serve", "--host", "0.0.0.0"]
