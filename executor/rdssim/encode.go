package rdssim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
)

// field is one named value of a response body, kept in order.
type field struct {
	Name  string
	Value any
}

// Response formats (the Format parameter; anything but XML means JSON, as
// the service answers).
const (
	formatJSON = "JSON"
	formatXML  = "XML"
)

func formatOf(p params) string {
	if strings.EqualFold(p.get("Format"), formatXML) {
		return formatXML
	}
	return formatJSON
}

// writeBody writes a response body in format: JSON, or XML under the
// element root (<ActionResponse> for a result, <Error> for an error) with
// every list item repeated under its list's name, as the service does
// ({"Items":{"DBInstance":[a,b]}} is <Items><DBInstance>a</DBInstance>
// <DBInstance>b</DBInstance></Items>).
func writeBody(w http.ResponseWriter, status int, format, root string, body []field) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range body {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		buf.Write(k)
		buf.WriteByte(':')
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(f.Value); err != nil {
			panic("rdssim: encode response field " + f.Name + ": " + err.Error())
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteString("}\n")
	if format != formatXML {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
		return
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := jsonToXML(enc, dec, root); err != nil {
		panic("rdssim: render XML response: " + err.Error())
	}
	if err := enc.Flush(); err != nil {
		panic("rdssim: render XML response: " + err.Error())
	}
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}

// jsonToXML reads one JSON value from dec and writes it as the element
// name. Objects keep their key order; an array writes one name element per
// item.
func jsonToXML(enc *xml.Encoder, dec *json.Decoder, name string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	start := xml.StartElement{Name: xml.Name{Local: name}}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			if err := enc.EncodeToken(start); err != nil {
				return err
			}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if err := jsonToXML(enc, dec, k.(string)); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return err
			}
			return enc.EncodeToken(start.End())
		case '[':
			for dec.More() {
				if err := jsonToXML(enc, dec, name); err != nil {
					return err
				}
			}
			_, err := dec.Token() // ']'
			return err
		}
		return errors.New("unexpected " + v.String())
	case nil:
		return enc.EncodeElement("", start)
	case bool:
		if v {
			return enc.EncodeElement("true", start)
		}
		return enc.EncodeElement("false", start)
	case json.Number:
		return enc.EncodeElement(v.String(), start)
	case string:
		return enc.EncodeElement(v, start)
	}
	return io.ErrUnexpectedEOF
}
