# The service image: Node 24 LTS, production dependencies, TypeScript run directly (Node strips types).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:4000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A 32 MiB young generation: V8 sizes it by the machine's memory (64 MiB on 24 GiB), which idle
# sockets then pay for; 16 MiB promotes enough under load for a full GC every 30 s or so. One V8 background thread: an instance meant to have a core of its own would
# otherwise share it with four GC threads, which stalls delivery for 15-50 ms per full GC (README,
# Operations).
CMD ["node", "--max-semi-space-size=32", "--v8-pool-size=1", "src/main.ts"]
