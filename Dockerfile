# syntax=docker/dockerfile:1
# Brigade's container image: built on Debian 12 from the same package lists as `make` and CI.
#
#   docker build -t brigade .
#   docker run -d --name brigade -v brigade-data:/data --env-file brigade.env -p 127.0.0.1:8080:8080 brigade
#
# Packages come ONLY from deploy/packages-build.txt and deploy/packages-runtime.txt (the test
# dockerfile_uses_package_lists enforces it): add a dependency there, never here.

# ---- build ----------------------------------------------------------------------------------
FROM debian:12 AS build
COPY deploy/packages-build.txt deploy/packages-runtime.txt /tmp/deploy/
# Both lists, as `make deps` installs them: the build links against the runtime libraries too.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(sed -e 's/#.*//' /tmp/deploy/packages-build.txt /tmp/deploy/packages-runtime.txt) \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# ccache (in the build list) keeps its cache across builds through a BuildKit cache mount.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release -DBRIGADE_TESTS=OFF -DBRIGADE_BENCH=OFF \
 && cmake --build --preset release \
 && strip --strip-unneeded build-release/brigade

# ---- runtime --------------------------------------------------------------------------------
FROM debian:12-slim
COPY deploy/packages-runtime.txt /tmp/deploy/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(sed -e 's/#.*//' /tmp/deploy/packages-runtime.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/deploy

# A fixed non-root uid so volume ownership survives image rebuilds.
RUN groupadd --system --gid 10001 brigade \
 && useradd --system --uid 10001 --gid brigade --home-dir /data --no-create-home --shell /usr/sbin/nologin brigade \
 && mkdir -p /data /opt/brigade/config \
 && chown brigade:brigade /data
# Owned before VOLUME is declared: a new named volume copies this ownership.
VOLUME ["/data"]

# The store lives in the volume. The HTTP server listens on every interface inside the container
# so a published port reaches it; listening on anything but loopback REQUIRES
# BRIGADE_HTTP_TOKEN (set it in the env file), or the bot refuses to start (exit 2).
ENV BRIGADE_DATA_DIR=/data \
    BRIGADE_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080

COPY --from=build /src/build-release/brigade /usr/local/bin/brigade
# The documented example; mount your own file at /opt/brigade/config/brigade.toml (read
# automatically from this working directory) or set BRIGADE_CONFIG. Secrets go in the
# environment or in *_FILE variables pointing at Docker secrets (/run/secrets/…), never in it.
COPY config/brigade.example.toml /opt/brigade/config/brigade.example.toml
WORKDIR /opt/brigade

USER brigade
# `brigade health --http` asks the running bot's GET /healthz: 200 while the store commits and
# every adapter is connected or reconnecting (no curl needed in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["brigade", "health", "--http"]
ENTRYPOINT ["brigade"]
CMD ["run"]
