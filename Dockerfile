# The mesos-runbooks worker (and the simulator, same image). Node 20, production dependencies only.
FROM node:20.19-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY activities ./activities
COPY workflows ./workflows
COPY runbooks ./runbooks
COPY tsconfig.json ./
USER node
# 9464: the worker's /metrics; 8888: mesos-runbooks codec-server; 8090: mesos-runbooks chatops (docker-compose.yml).
EXPOSE 9464 8888 8090
CMD ["node", "bin/mesos-runbooks.js", "worker"]
