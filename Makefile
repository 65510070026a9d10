# Convenience entry points; the real build is CMake (see CMakePresets.json).
#   make run    install deps, build (release), run the daemon on config/tincrawl.yaml
#   make test   install deps, build (dev), run every test suite
#   make demo   crawl the simulated portal farm on loopback and print a summary
PRESET ?= dev
CONFIG ?= config/tincrawl.yaml
JOBS ?= 2

.PHONY: deps build run test asan demo bench clean

deps:
	./scripts/install-deps

# Only the daemon: the tests are built by `make test`, the benchmarks by `make bench`.
build: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target tincrawl

run: build
	./build/release/crawler/tincrawl run -c $(CONFIG)

test: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j $(JOBS)
	ctest --preset $(PRESET) -j $(JOBS)

asan:
	$(MAKE) test PRESET=asan

demo: build
	./scripts/demo

bench: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	./bench/run-all

clean:
	rm -rf build
