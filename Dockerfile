# evoprune on Debian 12 (CPU: Debian's libtorch 1.13.1 with OpenBLAS).
#   docker build -t evoprune:latest .
#   docker run --rm -v "$PWD/runs:/evoprune/runs" evoprune:latest run configs/lenet300-mnist.yaml
# The image holds the repository at /evoprune (configs/ included), so
# `evoprune sweep --emit k8s --image REGISTRY/evoprune:TAG` jobs find their
# sweep files at the same paths. Push: docker tag evoprune:latest
# REGISTRY/evoprune:TAG && docker push REGISTRY/evoprune:TAG.
# Go stays in the image: it locates MNIST (the GoMNIST module's data) and
# `make test` runs inside it.
FROM golang:1.24-bookworm
WORKDIR /evoprune
COPY . .
# The same set-up as on a fresh machine (apt packages, gotch adapted to
# Debian's libtorch, modules), then the binary.
RUN apt-get update -qq && scripts/setup.sh && make build && rm -rf /var/lib/apt/lists/*
ENV PATH=/evoprune/bin:$PATH OMP_WAIT_POLICY=PASSIVE
ENTRYPOINT ["evoprune"]
CMD ["--help"]
