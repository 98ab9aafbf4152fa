package server

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func upload(t *testing.T, url string, files map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, text := range files {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(text))
	}
	mw.Close()
	resp, err := http.Post(url, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp, out
}

const uploadEnterprises = "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n" +
	"91350100M000100Y43,重庆甲汽车有限公司,500112,,3612,,true,2010-05-01,120.5,certificate\n"

func TestImportAPI(t *testing.T) {
	ts := newTestServer(t)
	// A dry run changes nothing.
	resp, rep := upload(t, ts.URL+"/api/v1/imports?check=true", map[string]string{"企业名录.csv": uploadEnterprises})
	if resp.StatusCode != 200 || rep["status"] != "checked" {
		t.Fatalf("check: %d %v", resp.StatusCode, rep)
	}
	resp, rep = upload(t, ts.URL+"/api/v1/imports", map[string]string{"企业名录.csv": uploadEnterprises})
	files := rep["files"].([]any)
	f0 := files[0].(map[string]any)
	if resp.StatusCode != 200 || rep["status"] != "imported" || f0["file"] != "企业名录.csv" || f0["batch"].(map[string]any)["inserted"].(float64) != 1 {
		t.Fatalf("import: %d %v", resp.StatusCode, rep)
	}
	// A file with an error is rejected with its findings and changes nothing.
	bad := strings.Replace(uploadEnterprises, "500112", "999999", 1)
	resp, rep = upload(t, ts.URL+"/api/v1/imports", map[string]string{"bad.csv": bad})
	if resp.StatusCode != 400 || rep["status"] != "rejected" || !strings.Contains(rep["error"].(string), "bad.csv") {
		t.Fatalf("bad upload: %d %v", resp.StatusCode, rep)
	}
	// History lists the one real batch.
	r, err := http.Get(ts.URL + "/api/v1/imports")
	if err != nil {
		t.Fatal(err)
	}
	var hist struct {
		Batches []struct {
			ID       int64  `json:"id"`
			FileName string `json:"file_name"`
		} `json:"batches"`
	}
	json.NewDecoder(r.Body).Decode(&hist)
	r.Body.Close()
	if len(hist.Batches) != 1 || hist.Batches[0].FileName != "企业名录.csv" {
		t.Fatalf("history %+v", hist)
	}
	// No file part.
	resp, rep = upload(t, ts.URL+"/api/v1/imports", nil)
	if resp.StatusCode != 400 {
		t.Errorf("empty upload: %d %v", resp.StatusCode, rep)
	}
}
