package otlp

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// The attributes of a record. event.name is OpenTelemetry's semantic
// convention; the qemu.* names are qmpwatch's own (docs/otlp.md lists them).
const (
	AttrEventName  = "event.name"
	AttrVM         = "qemu.vm.name"         // the VM's label, as the terminal shows it
	AttrQEMU       = "qemu.version"         // from the monitor's greeting, when known
	AttrAddress    = "qemu.monitor.address" // the monitor's address, when qmpwatch dialled or accepted it
	AttrCause      = "qemu.event.cause"     // what the event is a documented follow-up of
	AttrDataPrefix = "qemu.event.data."     // one attribute per member of "data"
)

// severities maps the catalog's levels to OpenTelemetry's numbers.
var severities = map[string]log.Severity{
	decode.LevelDebug: log.SeverityDebug,
	decode.LevelInfo:  log.SeverityInfo,
	decode.LevelWarn:  log.SeverityWarn,
	decode.LevelError: log.SeverityError,
}

// Severity is the number and text of the record for one event: the
// catalog's level for that occurrence (decode.EventSpec.SeverityOf).
func Severity(cat *decode.Catalog, ev *decode.Event) (log.Severity, string) {
	level := cat.Lookup(ev.Name).SeverityOf(ev)
	return severities[level], strings.ToUpper(level)
}

// Record turns one event into a log record. It copies all it keeps: the
// event's bytes belong to the source. observed is when qmpwatch handled it.
func Record(cat *decode.Catalog, ev *decode.Event, addr string, observed time.Time) log.Record {
	var r log.Record
	r.SetEventName(ev.Name)
	if t := ev.Time(); !t.IsZero() {
		r.SetTimestamp(t)
	}
	r.SetObservedTimestamp(observed)
	sev, text := Severity(cat, ev)
	r.SetSeverity(sev)
	r.SetSeverityText(text)
	// The body is for people reading a log view, which may be a terminal:
	// escaped as for one. The attributes keep the exact values.
	r.SetBody(attribute.StringValue(safe.String(render.Summary(ev))))
	attrs := []attribute.KeyValue{attribute.String(AttrEventName, ev.Name)}
	if ev.VM != "" {
		attrs = append(attrs, attribute.String(AttrVM, ev.VM))
	}
	if ev.QEMU.Known() {
		attrs = append(attrs, attribute.String(AttrQEMU, ev.QEMU.String()))
	}
	if addr != "" {
		attrs = append(attrs, attribute.String(AttrAddress, addr))
	}
	if ev.Cause != "" {
		attrs = append(attrs, attribute.String(AttrCause, ev.Cause))
	}
	for _, m := range ev.Data().Members {
		attrs = appendData(attrs, AttrDataPrefix+m.Key, m.Value)
	}
	r.AddAttributes(attrs...)
	return r
}

// appendData flattens nested objects into dotted names
// (qemu.event.data.info.slot); arrays stay one attribute, a list.
func appendData(attrs []attribute.KeyValue, key string, v decode.Value) []attribute.KeyValue {
	if v.Kind == decode.Object && len(v.Members) > 0 {
		for _, m := range v.Members {
			attrs = appendData(attrs, key+"."+m.Key, m.Value)
		}
		return attrs
	}
	return append(attrs, attribute.KeyValue{Key: attribute.Key(key), Value: value(v)})
}

// value converts one JSON value. Numbers stay exact: an integer that fits
// int64 is an int, a larger one (a uint64 size) is its decimal text, since
// OpenTelemetry has no wider integer and a double would round it.
func value(v decode.Value) attribute.Value {
	switch v.Kind {
	case decode.Bool:
		return attribute.BoolValue(v.True)
	case decode.String:
		return attribute.StringValue(v.Text)
	case decode.Number:
		if n, ok := v.Int64(); ok {
			return attribute.Int64Value(n)
		}
		if f, err := strconv.ParseFloat(v.Text, 64); err == nil && strings.ContainsAny(v.Text, ".eE") {
			return attribute.Float64Value(f)
		}
		return attribute.StringValue(v.Text)
	case decode.Array:
		items := make([]attribute.Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = value(it)
		}
		return attribute.SliceValue(items...)
	case decode.Object:
		kvs := make([]attribute.KeyValue, len(v.Members))
		for i, m := range v.Members {
			kvs[i] = attribute.KeyValue{Key: attribute.Key(m.Key), Value: value(m.Value)}
		}
		return attribute.MapValue(kvs...)
	}
	return attribute.Value{} // JSON null: an empty value
}
