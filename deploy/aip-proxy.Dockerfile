# aip-proxy in a container: built from this repository, run as an unprivileged user, configured by
# /etc/aip/proxy.toml and AIP_PROXY_* variables. Build from the repository root:
#   docker build -f deploy/aip-proxy.Dockerfile -t aip-proxy .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npx -y pnpm@10 install --frozen-lockfile \
 && npx -y pnpm@10 --filter @aip/proxy... build \
 && npx -y pnpm@10 --filter @aip/proxy deploy --legacy --prod /opt/aip-proxy

FROM node:20-bookworm-slim
RUN groupadd --system --gid 10001 aip \
 && useradd --system --uid 10001 --gid aip --home-dir /var/lib/aip --create-home aip \
 && mkdir -p /etc/aip /var/log/aip \
 && chown aip:aip /var/log/aip
COPY --from=build /opt/aip-proxy /opt/aip-proxy
USER aip
WORKDIR /var/lib/aip
# Inside a container the proxy listens on every interface; the port is the image's.
ENV AIP_PROXY_HOST=0.0.0.0 AIP_PROXY_PORT=8080 NODE_ENV=production
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/aip-proxy/dist/main.js"]
CMD ["--config", "/etc/aip/proxy.toml"]
