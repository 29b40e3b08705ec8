-- Reference data: the departments the seed hospital counts by (GLOSSARY.md). Administrators may add more.
INSERT INTO departments (code, name_ja, name_zh, name_en, sort_order) VALUES
  ('hematology', '血液内科', '血液科', 'Hematology', 0),
  ('thoracic_medical', '呼吸器内科', '胸部肿瘤内科', 'Thoracic oncology', 10),
  ('thoracic_surgery', '呼吸器外科', '胸外科', 'Thoracic surgery', 20),
  ('breast_medical', '乳腺・腫瘍内科', '乳腺肿瘤内科', 'Breast oncology', 30),
  ('breast_surgery', '乳腺外科', '乳腺外科', 'Breast surgery', 40),
  ('gi_medical', '消化管内科', '消化道肿瘤内科', 'Gastrointestinal oncology', 50),
  ('gi_surgery', '消化管外科', '胃肠外科', 'Gastrointestinal surgery', 60),
  ('endoscopy', '内視鏡科', '内镜科', 'Endoscopy', 70),
  ('urology', '泌尿器・後腹膜腫瘍科', '泌尿外科', 'Urology', 80),
  ('hbp_medical', '肝胆膵内科', '肝胆胰内科', 'Hepatobiliary-pancreatic oncology', 90),
  ('hbp_surgery', '肝胆膵外科', '肝胆胰外科', 'Hepatobiliary-pancreatic surgery', 100),
  ('esophageal', '食道外科', '食管外科', 'Esophageal surgery', 110),
  ('orthopedic', '骨軟部腫瘍科', '骨与软组织肿瘤科', 'Orthopedic oncology', 120),
  ('head_neck', '頭頸部腫瘍科', '头颈肿瘤科', 'Head and neck', 130),
  ('gynecology', '婦人腫瘍科', '妇科肿瘤科', 'Gynecology', 140),
  ('dermatology', '皮膚腫瘍科', '皮肤肿瘤科', 'Dermatology', 150),
  ('pediatric', '小児腫瘍科', '儿童肿瘤科', 'Pediatric oncology', 160),
  ('neurosurgery', '脳脊髄腫瘍科', '神经外科', 'Neurosurgery', 170),
  ('transplant', '造血幹細胞移植科', '造血干细胞移植科', 'Hematopoietic stem cell transplantation', 180),
  ('pathology', '病理診断科', '病理科', 'Pathology', 190)
ON CONFLICT (code) DO NOTHING;
