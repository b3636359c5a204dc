package benchpb

// SampleSize is the exact proto.Marshal size, in bytes, of the message
// returned by Sample.
const SampleSize = 581

// Sample returns a new, fully filled BenchmarkMessage with deterministic
// contents. Every field is set to a non-zero value, so its encoding is
// SampleSize bytes (about 581, the payload size used by common RPC
// benchmarks). Each call returns a fresh message that the caller may modify.
func Sample() *BenchmarkMessage {
	return &BenchmarkMessage{
		Id:               1234567890123,
		RequestId:        "req-7f3a9c2e-41d8-4b6a-9e15-0c2d8f4b7a61",
		TraceId:          "4bf92f3577b34da6a3ce929d0e0e4736",
		UserId:           987654321,
		TenantId:         42017,
		SessionId:        "sess-2b7e151628aed2a6abf71588",
		UserName:         "liwei.zhang",
		DisplayName:      "张立伟",
		Email:            "liwei.zhang@example.com",
		ServiceName:      "dmicro.order.v1.OrderService",
		MethodName:       "GetOrderSummary",
		Title:            "Rack order #582137",
		Description:      "订单已确认，预计三个工作日内发货。Order confirmed; ships in 3 days.",
		Locale:           "zh-CN",
		Currency:         "CNY",
		Version:          3,
		Attempt:          1,
		ItemCount:        17,
		Page:             2,
		PageSize:         50,
		StatusCode:       200,
		Priority:         5,
		CreatedAtUnixMs:  1718000000123,
		UpdatedAtUnixMs:  1718003600456,
		TotalAmountCents: 1299900,
		QuotaRemaining:   8765,
		RegionCode:       86021,
		Sequence:         4294967391,
		BalanceDelta:     -2500,
		Score:            0.9375,
		Ratio:            0.625,
		Active:           true,
		Verified:         true,
		Premium:          true,
		DryRun:           true,
		Compressed:       true,
		Retryable:        true,
		Tags:             []string{"priority", "wholesale", "east-china", "net-30", "fragile"},
		Address: &Address{
			Street:     "1288 Century Avenue, Pudong",
			City:       "Shanghai",
			Country:    "CN",
			PostalCode: "200120",
			Latitude:   31.2304,
			Longitude:  121.4737,
		},
		Checksum: []byte{0x9e, 0x10, 0x7d, 0x9d, 0x37, 0x2b, 0xb6, 0x82, 0x6b, 0xd8, 0x1d, 0x35, 0x42, 0xa4, 0x19, 0xd6},
	}
}
