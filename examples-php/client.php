<?php
// A PHP app calling a gRPC service and a Thrift service through its local Transmesh sidecar.
//   php examples-php/client.php            show what each call returns
//   php examples-php/client.php --check    stop with exit 1 at the first unexpected answer
// The sidecar URL comes from TRANSMESH_URL (default http://127.0.0.1:15001).
declare(strict_types=1);

require __DIR__ . '/transmesh.php';

const USERS = 'acme.users.v1.UserService';
const ORDERS = 'orders.OrderService';
const INT64 = ['x-transmesh-int64' => 'number'];
// The canonical gRPC code to HTTP status mapping of the error contract.
const HTTP_OF = [
    'INVALID_ARGUMENT' => 400, 'FAILED_PRECONDITION' => 400, 'OUT_OF_RANGE' => 400,
    'UNAUTHENTICATED' => 401, 'PERMISSION_DENIED' => 403, 'NOT_FOUND' => 404,
    'ALREADY_EXISTS' => 409, 'ABORTED' => 409, 'RESOURCE_EXHAUSTED' => 429, 'CANCELLED' => 499,
    'UNKNOWN' => 500, 'INTERNAL' => 500, 'DATA_LOSS' => 500, 'UNIMPLEMENTED' => 501,
    'UNAVAILABLE' => 503, 'DEADLINE_EXCEEDED' => 504,
];

final class Checker
{
    public int $passed = 0;
    public int $failed = 0;
    private string $current = '';

    public function __construct(private bool $strict) {}

    public function call(Transmesh $mesh, string $service, string $method, array $req, array $headers = []): TransmeshReply
    {
        $sent = json_encode($req === [] ? new stdClass() : $req, JSON_UNESCAPED_SLASHES);
        $short = substr($service, strrpos($service, '.') + 1);
        $this->current = "$short.$method $sent";
        echo "\n$short.$method $sent" . ($headers ? '  [' . implode(', ', array_map(
            fn($k, $v) => "$k: $v", array_keys($headers), $headers)) . ']' : '') . "\n";
        $r = $mesh->call($service, $method, $req, $headers);
        $raw = strlen($r->raw) > 400 ? substr($r->raw, 0, 400) . '...' : $r->raw;
        printf("  -> HTTP %d in %.0f ms: %s\n", $r->status, $r->ms, $raw);
        return $r;
    }

    public function expect(bool $ok, string $what, ?TransmeshReply $r = null): void
    {
        if ($ok) {
            $this->passed++;
            echo "  ok   $what\n";
            return;
        }
        $this->failed++;
        echo "  UNEXPECTED: $what" . ($r ? " (got HTTP {$r->status}: {$r->raw})" : '') . "\n";
        if ($this->strict) {
            echo "FAIL: {$this->current}: expected $what" . ($r ? "; got HTTP {$r->status}: {$r->raw}" : '') . "\n";
            echo "php client: {$this->passed} passed, 1 failed\n";
            exit(1);
        }
    }

    /** A success reply: HTTP 200 with a JSON body. */
    public function success(TransmeshReply $r): void
    {
        $this->expect($r->status === 200 && $r->body !== null && $r->code() === null, 'HTTP 200 with a JSON body', $r);
    }

    /** An error reply of the contract's shape whose HTTP status matches its code. */
    public function error(TransmeshReply $r, string $code): void
    {
        $e = is_array($r->body) ? ($r->body['error'] ?? null) : null;
        $this->expect(is_array($e) && ($e['code'] ?? null) === $code && is_string($e['message'] ?? null),
            "error {\"code\": \"$code\", \"message\": ...}", $r);
        $this->expect($r->status === HTTP_OF[$code], "HTTP status " . HTTP_OF[$code] . " for $code", $r);
        $this->expect(is_array($e['details'] ?? null) && is_string($e['requestId'] ?? null) && $e['requestId'] !== '',
            'error has details [] and a requestId', $r);
    }
}

/** The first element of $details whose @type ends with $type, or null. */
function detail(array $details, string $type): ?array
{
    foreach ($details as $d) {
        if (is_array($d) && str_ends_with((string) ($d['@type'] ?? ''), $type)) {
            return $d;
        }
    }
    return null;
}

$check = in_array('--check', array_slice($argv, 1), true);
$url = getenv('TRANSMESH_URL') ?: 'http://127.0.0.1:15001';
$mesh = new Transmesh($url);
$c = new Checker($check);
echo "sidecar: $url\n";

try {
    // ---------------------------------------------------------------- gRPC: acme.users.v1.UserService
    echo "\n== gRPC ", USERS, " ==\n";

    $r = $c->call($mesh, USERS, 'GetUser', ['id' => 1]);
    $c->success($r);
    $u = $r->body;
    $c->expect(($u['id'] ?? null) === '1', 'int64 id comes back as the string "1" by default', $r);
    $c->expect(($u['displayName'] ?? null) === 'Ada Lovelace' && ($u['status'] ?? null) === 'ACTIVE',
        'lowerCamelCase names, enum by name', $r);
    $c->expect(($u['createdAt'] ?? null) === '2024-01-15T10:00:00Z', 'Timestamp as RFC 3339', $r);
    $c->expect(($u['labels'] ?? null) === ['team' => 'research'] && ($u['roles'] ?? null) === ['admin', 'engineer'],
        'map as object, repeated as array', $r);
    $c->expect(($u['balance'] ?? null) === ['currencyCode' => 'EUR', 'units' => '1250', 'nanos' => 500000000],
        'nested Money from the imported acme.common.v1', $r);
    $c->expect(($u['address']['countryCode'] ?? null) === 'GB', 'nested message User.Address', $r);

    $r = $c->call($mesh, USERS, 'GetUser', ['id' => PHP_INT_MAX], INT64);
    $c->success($r);
    $c->expect(($r->body['id'] ?? null) === PHP_INT_MAX, 'id === 9223372036854775807 as a PHP int, every digit kept', $r);
    $c->expect(($r->body['balance']['units'] ?? null) === PHP_INT_MAX, 'nested int64 balance.units === PHP_INT_MAX', $r);

    $r = $c->call($mesh, USERS, 'GetUser', ['id' => PHP_INT_MAX]);
    $c->expect(($r->body['id'] ?? null) === '9223372036854775807', 'without the header: id is the exact string', $r);

    $email = 'php-' . bin2hex(random_bytes(4)) . '@acme.test';
    $create = [
        'email' => $email,
        'displayName' => 'PHP Client',
        'address' => ['city' => 'Berlin', 'countryCode' => 'DE'],
        'labels' => ['source' => 'php'],
        'roles' => ['customer'],
        'initialBalance' => ['currencyCode' => 'EUR', 'units' => 10, 'nanos' => 250000000],
    ];
    $r = $c->call($mesh, USERS, 'CreateUser', $create, INT64);
    $c->success($r);
    $c->expect(is_int($r->body['id'] ?? null) && $r->body['id'] >= 1000, 'new user gets an int id', $r);
    $c->expect(($r->body['email'] ?? null) === $email && ($r->body['status'] ?? null) === 'ACTIVE'
        && ($r->body['balance'] ?? null) === ['currencyCode' => 'EUR', 'units' => 10, 'nanos' => 250000000],
        'fields stored as sent', $r);
    $c->expect((bool) preg_match('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/', (string) ($r->body['createdAt'] ?? '')),
        'createdAt set by the server', $r);

    $r = $c->call($mesh, USERS, 'CreateUser', $create);
    $c->error($r, 'ALREADY_EXISTS');

    $r = $c->call($mesh, USERS, 'CreateUser', ['email' => 'not-an-email', 'displayName' => 'X']);
    $c->error($r, 'INVALID_ARGUMENT');
    $bad = detail($r->body['error']['details'] ?? [], 'google.rpc.BadRequest');
    $c->expect(($bad['fieldViolations'][0]['field'] ?? null) === 'email', 'google.rpc.BadRequest names the field', $r);

    $r = $c->call($mesh, USERS, 'ListUsers', ['pageSize' => 2], INT64);
    $c->success($r);
    $ids = array_map(fn($u) => $u['id'] ?? null, $r->body['users'] ?? []);
    $c->expect($ids === [1, 2] && ($r->body['nextPageToken'] ?? null) === '2', 'first page: ids [1, 2], token "2"', $r);
    $c->expect(is_int($r->body['totalSize'] ?? null) && $r->body['totalSize'] >= 3, 'totalSize is an int >= 3', $r);

    $r = $c->call($mesh, USERS, 'ListUsers', ['status' => 'SUSPENDED']);
    $c->expect(array_column($r->body['users'] ?? [], 'email') === ['grace@acme.test'], 'enum filter by name', $r);

    // The error branch: a provider's NOT_FOUND with google.rpc details, and our own request id.
    $rid = 'php-' . bin2hex(random_bytes(6));
    $r = $c->call($mesh, USERS, 'GetUser', ['id' => 42], ['x-request-id' => $rid]);
    $c->error($r, 'NOT_FOUND');
    $c->expect(($r->body['error']['message'] ?? null) === 'user 42 not found', 'provider message comes through', $r);
    $info = detail($r->body['error']['details'] ?? [], 'google.rpc.ErrorInfo');
    $c->expect($info !== null && ($info['reason'] ?? 'USER_NOT_FOUND') === 'USER_NOT_FOUND',
        'details hold google.rpc.ErrorInfo (reason USER_NOT_FOUND)', $r);
    $c->expect(($r->body['error']['requestId'] ?? null) === $rid && ($r->headers['x-request-id'] ?? null) === $rid,
        'x-request-id echoed in the error and the response header', $r);

    // A deadline: the provider would answer after 5 s; we give the call 300 ms.
    $r = $c->call($mesh, USERS, 'GetUser', ['id' => 1, 'delayMs' => 5000], ['x-transmesh-timeout-ms' => '300']);
    $c->error($r, 'DEADLINE_EXCEEDED');
    $c->expect($r->ms < 4000, sprintf('gave up after %.0f ms, well before the 5 s the provider would take', $r->ms), $r);

    // Strict input: an unknown field is refused by the sidecar, naming the path.
    $r = $c->call($mesh, USERS, 'GetUser', ['id' => 1, 'idd' => 2]);
    $c->error($r, 'INVALID_ARGUMENT');
    $c->expect(str_contains($r->body['error']['message'] ?? '', 'idd'), 'the message names the unknown field', $r);

    // ---------------------------------------------------------------- Thrift: orders.OrderService
    echo "\n== Thrift ", ORDERS, " ==\n";

    $r = $c->call($mesh, ORDERS, 'getOrder', ['id' => PHP_INT_MAX], INT64);
    $c->success($r);
    $o = $r->body;
    $c->expect(($o['id'] ?? null) === PHP_INT_MAX && ($o['userId'] ?? null) === PHP_INT_MAX,
        'i64 id and userId === PHP_INT_MAX', $r);
    $c->expect(($o['items'][0]['unitPrice'] ?? null) === ['currency' => 'USD', 'amountMinor' => PHP_INT_MAX],
        'included shared.Money: enum by name, i64 exact', $r);
    $c->expect(($o['totals']['USD'] ?? null) === PHP_INT_MAX, 'map<string,i64> value exact', $r);
    // json_decode turns the object key "9223372036854775807" into the int key PHP_INT_MAX.
    $c->expect(($o['history'][PHP_INT_MAX] ?? null) === 'SHIPPED', 'map<i64,OrderStatus> key exact', $r);
    $c->expect(($o['status'] ?? null) === 'SHIPPED' && in_array('int64-edge', $o['tags'] ?? [], true),
        'enum by name, set as array', $r);

    $r = $c->call($mesh, ORDERS, 'getOrder', ['id' => 1001]);
    $c->success($r);
    $o = $r->body;
    $c->expect(($o['id'] ?? null) === '1001' && ($o['totals']['EUR'] ?? null) === '4248',
        'i64 as strings by default', $r);
    $c->expect(($o['items'][0]['quantity'] ?? null) === 2 && ($o['note'] ?? null) === 'leave at the door',
        'i32 as a number, optional string set', $r);
    $c->expect(($o['history']['1705312800000'] ?? null) === 'PENDING', 'map<i64,_> keys as decimal strings', $r);

    // A declared Thrift exception, mapped to NOT_FOUND by (transmesh.code = "NOT_FOUND").
    $r = $c->call($mesh, ORDERS, 'getOrder', ['id' => 42]);
    $c->error($r, 'NOT_FOUND');
    $t = $r->body['error']['thrift'] ?? null;
    $c->expect(($t['exception'] ?? null) === 'orders.OrderNotFound', 'error.thrift.exception is orders.OrderNotFound', $r);
    $c->expect(($t['value'] ?? null) === ['message' => 'order 42 not found', 'orderId' => '42'],
        'error.thrift.value holds the exception fields', $r);

    $items = [
        ['sku' => 'BOOK-1', 'quantity' => 2, 'unitPrice' => ['currency' => 'EUR', 'amountMinor' => 1999]],
        ['sku' => 'MUG-3', 'quantity' => 1, 'unitPrice' => ['currency' => 'USD', 'amountMinor' => 1200]],
    ];
    $r = $c->call($mesh, ORDERS, 'createOrder',
        ['userId' => 1, 'items' => $items, 'tags' => ['php'], 'note' => 'ring twice'], INT64);
    $c->success($r);
    $newId = $r->body['id'] ?? null;
    $c->expect(is_int($newId) && $newId >= 5000 && ($r->body['status'] ?? null) === 'PENDING', 'new PENDING order', $r);
    $totals = $r->body['totals'] ?? [];
    ksort($totals);
    $c->expect($totals === ['EUR' => 3998, 'USD' => 1200], 'totals per currency', $r);

    $r = $c->call($mesh, ORDERS, 'createOrder', ['userId' => 1, 'items' => [], 'tags' => [], 'note' => '']);
    $c->error($r, 'INVALID_ARGUMENT');
    $c->expect(($r->body['error']['thrift']['exception'] ?? null) === 'shared.InvalidArgument'
        && ($r->body['error']['thrift']['value']['field'] ?? null) === 'items',
        'exception from the included shared.thrift', $r);

    $r = $c->call($mesh, ORDERS, 'countOrders', ['userId' => 1], INT64);
    $c->expect($r->status === 200 && is_int($r->body) && $r->body >= 2, 'i64 return value as a bare JSON number', $r);
    $r = $c->call($mesh, ORDERS, 'countOrders', ['userId' => 1]);
    $c->expect($r->status === 200 && is_string($r->body) && ctype_digit($r->body), 'i64 return value as a bare JSON string', $r);

    $r = $c->call($mesh, ORDERS, 'listOrders', ['userId' => PHP_INT_MAX], INT64);
    $c->expect($r->status === 200 && array_column($r->body ?? [], 'id') === [PHP_INT_MAX], 'list<Order> as an array', $r);

    // void: the reply is {}.
    $r = $c->call($mesh, ORDERS, 'cancelOrder', ['id' => $newId, 'reason' => 'changed my mind']);
    $c->expect($r->status === 200 && $r->body === [] && trim($r->raw) === '{}', 'void method answers {}', $r);
    $r = $c->call($mesh, ORDERS, 'getOrder', ['id' => $newId]);
    $c->expect(($r->body['status'] ?? null) === 'CANCELLED' && ($r->body['note'] ?? null) === 'cancelled: changed my mind',
        'the void call took effect', $r);
    $r = $c->call($mesh, ORDERS, 'cancelOrder', ['id' => 42, 'reason' => 'nope']);
    $c->error($r, 'NOT_FOUND');

    // oneway: {} as soon as it is sent; the provider applies it shortly after.
    $r = $c->call($mesh, ORDERS, 'recordEvent', ['id' => $newId, 'event' => 'viewed']);
    $c->expect($r->status === 200 && trim($r->raw) === '{}', 'oneway method answers {} once sent', $r);
    $seen = false;
    for ($i = 0; $i < 50 && !$seen; $i++) {
        $g = $mesh->call(ORDERS, 'getOrder', ['id' => $newId]);
        $seen = in_array('event:viewed', $g->body['tags'] ?? [], true);
        if (!$seen) {
            usleep(100_000);
        }
    }
    $c->expect($seen, 'the oneway call reached the provider (tag event:viewed) within 5 s');

    $r = $c->call($mesh, ORDERS, 'getOrder', ['id' => 'abc']);
    $c->error($r, 'INVALID_ARGUMENT');
    $c->expect(str_contains($r->body['error']['message'] ?? '', 'id'), 'the message names the argument', $r);
} catch (RuntimeException $e) {
    echo "FAIL: {$e->getMessage()}\n";
    echo "php client: {$c->passed} passed, " . ($c->failed + 1) . " failed\n";
    exit(2);
}

echo "\nphp client: {$c->passed} passed, {$c->failed} failed\n";
