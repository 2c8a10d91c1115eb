# syntax=docker/dockerfile:1
# Herald in a container: a multi-stage build (Maven + JDK 17, then a JRE 17 runtime), run as a non-root user.
#
#   docker build -t herald .
#   docker run --rm -p 8080:8080 --stop-timeout 30 -e HERALD_ADMIN_PASSWORD=... -v herald-data:/var/lib/herald herald
#
# Settings are HERALD_* environment variables (README.md, "Configuration"); "Deploying" in README.md has more.

# ---- build: the shaded jar target/herald.jar ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
# The dependencies first, in their own layer: a change of the sources does not download them again.
COPY pom.xml ./
RUN mvn -B -ntp -q dependency:go-offline
COPY cluster.xml ./
COPY conf/ conf/
COPY src/main/ src/main/
RUN mvn -B -ntp -DskipTests package

# ---- runtime ----
FROM eclipse-temurin:17-jre
# curl: the HEALTHCHECK below
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 herald \
    && useradd --system --uid 10001 --gid herald --home-dir /var/lib/herald --no-create-home \
       --shell /usr/sbin/nologin herald \
    && mkdir -p /opt/herald/conf /var/lib/herald \
    && chown herald:herald /var/lib/herald
WORKDIR /opt/herald
COPY --from=build /build/target/herald.jar ./herald.jar
# conf/herald.yaml in the working directory is the node's config file (the same defaults the jar holds: mount
# your own over it, or name another with HERALD_CONFIG); cluster.xml and conf/cluster-*.xml are the Hazelcast files.
COPY cluster.xml ./
COPY conf/ conf/

# Inside a container the node must listen on the container's interface (its default, 127.0.0.1, is loopback
# only); the data directory is a volume; the event bus gets a fixed port so that it can be published.
ENV HERALD_HTTP_HOST=0.0.0.0 \
    HERALD_HTTP_PORT=8080 \
    HERALD_DATA_DIR=/var/lib/herald \
    HERALD_CLUSTER_BUS_PORT=5801 \
    HERALD_JAVA_OPTS="-XX:MaxRAMPercentage=75" \
    HERALD_HEALTHCHECK_HOST=localhost
VOLUME ["/var/lib/herald"]
# HTTP and websockets; Hazelcast's member port; the event bus (cluster.bus-port)
EXPOSE 8080 5701 5801

USER herald:herald
# GET /health: 200 while the node answers. The Host header must be one that http.allowed-hosts admits
# (HERALD_HEALTHCHECK_HOST); with http.tls.* the check speaks https (the certificate is not checked).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["sh", "-c", "scheme=http; [ -n \"$HERALD_HTTP_TLS_CERT\" ] && scheme=https; curl -fsSk -o /dev/null -H \"Host: $HERALD_HEALTHCHECK_HOST\" \"$scheme://127.0.0.1:$HERALD_HTTP_PORT/health\""]
# SIGTERM (docker stop) drains the websockets and leaves the cluster: give it --stop-timeout 30.
STOPSIGNAL SIGTERM
# java is PID 1 (exec): it gets the SIGTERM itself. The JDK options are scripts/run's (Hazelcast's internals).
ENTRYPOINT ["sh", "-c", "exec java --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED $HERALD_JAVA_OPTS -jar /opt/herald/herald.jar \"$@\"", "herald"]
