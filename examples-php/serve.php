<?php
// Serving mesh services from PHP: a class per service, one method per IDL method.
//
//   (new TransmeshServer())
//       ->serve('acme.catalog.v1.CatalogService', new Catalog())
//       ->serve('inventory.InventoryService', new Inventory())
//       ->handle();
//
// The provider sidecar POSTs every call as `/<service>/<method>` with the request as JSON
// (start it with `?int64=number` on the --provide URL so 64-bit integers arrive as PHP ints).
// The same script runs under PHP's built-in server (`php -S 127.0.0.1:8080 app.php`, as the
// router) and under PHP-FPM (`--provide SVC='fastcgi://127.0.0.1:9000?script=/abs/app.php'`),
// unchanged: both give it the path and the body the same way.
declare(strict_types=1);

/** A failure with a gRPC code name: every caller gets that code (gRPC status, HTTP status, Thrift exception). */
class MeshError extends RuntimeException
{
    /** @param list<array<string,mixed>> $details google.rpc detail messages as proto3 JSON, with "@type" */
    public function __construct(public readonly string $grpcCode, string $message, public readonly array $details = [])
    {
        parent::__construct($message);
    }
}

/** An exception the Thrift IDL declares for the function (`throws (1: ItemNotFound notFound)`). */
final class ThriftException extends MeshError
{
    /**
     * @param string $type the exception as `<module>.<Type>`, e.g. `inventory.ItemNotFound`
     * @param array<string,mixed> $value its fields by their IDL names
     * @param string $grpcCode what JSON and gRPC callers see: the IDL's `transmesh.code` annotation
     */
    public function __construct(public readonly string $type, public readonly array $value, string $grpcCode = 'UNKNOWN')
    {
        parent::__construct($grpcCode, (string) ($value['message'] ?? $type));
    }
}

/** What the mesh says about one call: who calls, its ids, its deadline, its metadata. */
final class TransmeshCall
{
    /** @param array<string,string> $metadata the caller's gRPC metadata, names lower-cased */
    public function __construct(
        public readonly string $service,
        public readonly string $method,
        public readonly string $caller,
        public readonly string $requestId,
        public readonly string $traceparent,
        public readonly ?int $timeoutMs,
        public readonly array $metadata,
    ) {}

    /** Response metadata for the caller (a gRPC caller's initial metadata; grpc-metadata-<key> for JSON). */
    public function answerMetadata(string $key, string $value): void
    {
        header("grpc-metadata-$key: $value");
    }
}

final class TransmeshServer
{
    // The canonical gRPC code → HTTP status mapping; the sidecar reads the code from the body.
    private const HTTP = [
        'CANCELLED' => 499, 'INVALID_ARGUMENT' => 400, 'DEADLINE_EXCEEDED' => 504, 'NOT_FOUND' => 404,
        'ALREADY_EXISTS' => 409, 'PERMISSION_DENIED' => 403, 'RESOURCE_EXHAUSTED' => 429,
        'FAILED_PRECONDITION' => 400, 'ABORTED' => 409, 'OUT_OF_RANGE' => 400, 'UNIMPLEMENTED' => 501,
        'UNAVAILABLE' => 503, 'UNAUTHENTICATED' => 401,
    ];

    /** @var array<string,object> */
    private array $services = [];

    /** Routes `/<service>/<method>` to `$impl-><method>(array $request, TransmeshCall $call)`. */
    public function serve(string $service, object $impl): self
    {
        $this->services[$service] = $impl;
        return $this;
    }

    /** Answers the current request: the method's return value as JSON, or the error envelope. */
    public function handle(): void
    {
        header('content-type: application/json');
        try {
            $call = $this->call();
            $impl = $this->services[$call->service] ?? null;
            if ($impl === null || !method_exists($impl, $call->method)) {
                throw new MeshError('UNIMPLEMENTED', "this PHP app does not serve /{$call->service}/{$call->method}");
            }
            // BIGINT_AS_STRING: a uint64 above PHP_INT_MAX stays exact as a string, not a float.
            $request = json_decode(file_get_contents('php://input') ?: '{}', true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
            $result = $impl->{$call->method}($request ?? [], $call);
            echo json_encode($result, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        } catch (MeshError $e) {
            $this->fail($e);
        } catch (JsonException $e) {
            $this->fail(new MeshError('INVALID_ARGUMENT', 'the request is not JSON: ' . $e->getMessage()));
        } catch (Throwable $e) {
            // An exception nobody declared: UNKNOWN, as grpc-java answers for an uncaught one.
            error_log((string) $e);
            $this->fail(new MeshError('UNKNOWN', get_class($e) . ': ' . $e->getMessage()));
        }
    }

    private function call(): TransmeshCall
    {
        if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
            throw new MeshError('UNIMPLEMENTED', 'the mesh calls with POST /<service>/<method>');
        }
        // PHP-FPM gets PATH_INFO from the sidecar; php -S gives the router the whole REQUEST_URI.
        $path = $_SERVER['PATH_INFO'] ?? parse_url($_SERVER['REQUEST_URI'] ?? '', PHP_URL_PATH) ?? '';
        if (!preg_match('#^/([\w.]+)/(\w+)$#', $path, $m)) {
            throw new MeshError('UNIMPLEMENTED', "not a mesh call: $path");
        }
        $metadata = [];
        foreach ($_SERVER as $name => $value) {
            if (str_starts_with($name, 'HTTP_GRPC_METADATA_')) {
                $metadata[strtolower(str_replace('_', '-', substr($name, 19)))] = (string) $value;
            }
        }
        $timeout = $_SERVER['HTTP_X_TRANSMESH_TIMEOUT_MS'] ?? null;
        return new TransmeshCall(
            $m[1],
            $m[2],
            (string) ($_SERVER['HTTP_X_TRANSMESH_CALLER'] ?? ''),
            (string) ($_SERVER['HTTP_X_REQUEST_ID'] ?? ''),
            (string) ($_SERVER['HTTP_TRACEPARENT'] ?? ''),
            $timeout === null ? null : (int) $timeout,
            $metadata,
        );
    }

    private function fail(MeshError $e): void
    {
        http_response_code(self::HTTP[$e->grpcCode] ?? 500);
        $error = ['code' => $e->grpcCode, 'message' => $e->getMessage()];
        if ($e->details) $error['details'] = $e->details;
        if ($e instanceof ThriftException) $error['thrift'] = ['exception' => $e->type, 'value' => $e->value];
        echo json_encode(['error' => $error], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
    }
}
