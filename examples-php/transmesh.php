<?php
// A call through the local Transmesh sidecar: POST <url>/<service>/<method>, JSON in, JSON out.
// Plain curl + json_encode/json_decode; no gRPC or Thrift library in the PHP app.
declare(strict_types=1);

final class TransmeshReply
{
    /** @param array<string,string> $headers response headers, names lower-cased */
    public function __construct(
        public readonly int $status,
        public readonly mixed $body,
        public readonly string $raw,
        public readonly array $headers,
        public readonly float $ms,
    ) {}

    /** The gRPC status name of an error reply (`NOT_FOUND`), null on success. */
    public function code(): ?string
    {
        return is_array($this->body) && isset($this->body['error']['code']) ? $this->body['error']['code'] : null;
    }
}

final class Transmesh
{
    /** @param array<string,string> $headers sent on every call */
    public function __construct(private string $url, private array $headers = []) {}

    /** @param array<string,string> $headers extra request headers, e.g. x-transmesh-timeout-ms */
    public function call(string $service, string $method, array|object $request = [], array $headers = []): TransmeshReply
    {
        // json_encode writes PHP ints (64-bit) as bare numbers; the sidecar keeps every digit.
        // An empty PHP array would be `[]`; an empty request message is `{}`.
        $json = json_encode($request === [] ? new stdClass() : $request,
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        $lines = ['Content-Type: application/json'];
        foreach ($headers + $this->headers as $name => $value) {
            $lines[] = "$name: $value";
        }
        $got = [];
        $ch = curl_init(rtrim($this->url, '/') . "/$service/$method");
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $json,
            CURLOPT_HTTPHEADER => $lines,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT_MS => 2000,
            CURLOPT_TIMEOUT_MS => 30000,
            CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$got): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $got[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        $t0 = hrtime(true);
        $raw = curl_exec($ch);
        $ms = (hrtime(true) - $t0) / 1e6;
        if ($raw === false) {
            $err = curl_error($ch);
            curl_close($ch);
            throw new RuntimeException("cannot reach the sidecar at {$this->url}: $err");
        }
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        try {
            // BIGINT_AS_STRING: a uint64 above PHP_INT_MAX stays exact as a string instead of a float.
            $body = json_decode($raw, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (JsonException) {
            $body = null;
        }
        return new TransmeshReply($status, $body, $raw, $got, $ms);
    }
}
