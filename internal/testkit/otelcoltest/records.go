package otelcoltest

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// Record is one log record as the file exporter wrote it (OTLP JSON), with
// its resource's attributes.
type Record struct {
	EventName      string
	TimeUnixNano   int64
	ObservedNano   int64
	SeverityNumber int
	SeverityText   string
	Body           string
	Attrs          map[string]any // strings, int64, float64, bool, []any, map[string]any
	Resource       map[string]any
}

type anyValue struct {
	StringValue *string                      `json:"stringValue"`
	IntValue    *json.Number                 `json:"intValue"`
	DoubleValue *float64                     `json:"doubleValue"`
	BoolValue   *bool                        `json:"boolValue"`
	ArrayValue  *struct{ Values []anyValue } `json:"arrayValue"`
	KvlistValue *struct{ Values []keyValue } `json:"kvlistValue"`
}

type keyValue struct {
	Key   string   `json:"key"`
	Value anyValue `json:"value"`
}

type logsData struct {
	ResourceLogs []struct {
		Resource  struct{ Attributes []keyValue } `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				EventName            string     `json:"eventName"`
				TimeUnixNano         string     `json:"timeUnixNano"`
				ObservedTimeUnixNano string     `json:"observedTimeUnixNano"`
				SeverityNumber       int        `json:"severityNumber"`
				SeverityText         string     `json:"severityText"`
				Body                 anyValue   `json:"body"`
				Attributes           []keyValue `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// Records reads every record the collector has written so far, in order.
func (c *Collector) Records(t testing.TB) []Record {
	t.Helper()
	f, err := os.Open(c.File)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var d logsData
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("otelcoltest: %s: %v", c.File, err)
		}
		for _, rl := range d.ResourceLogs {
			res := attrs(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					ts, _ := strconv.ParseInt(lr.TimeUnixNano, 10, 64)
					obs, _ := strconv.ParseInt(lr.ObservedTimeUnixNano, 10, 64)
					body, _ := lr.Body.value().(string)
					out = append(out, Record{EventName: lr.EventName, TimeUnixNano: ts, ObservedNano: obs,
						SeverityNumber: lr.SeverityNumber, SeverityText: lr.SeverityText, Body: body,
						Attrs: attrs(lr.Attributes), Resource: res})
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func attrs(kvs []keyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

func (v anyValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		n, _ := v.IntValue.Int64()
		return n
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, x := range v.ArrayValue.Values {
			out[i] = x.value()
		}
		return out
	case v.KvlistValue != nil:
		return attrs(v.KvlistValue.Values)
	}
	return nil
}
